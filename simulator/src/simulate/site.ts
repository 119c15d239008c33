/**
 * The simulated shop: its URLs, what each one returns, and which assets a page pulls in.
 *
 * Sizes are compressed bytes on the wire (EdgeResponseBytes), in line with HTTP Archive medians
 * for e-commerce pages: HTML 20–40 KB, a CSS bundle ~20 KB, JavaScript 100–300 KB split over a
 * few bundles, product images 20–90 KB as WebP, one or two WOFF2 fonts ~25 KB.
 */
import type { Random } from './random.js';

export interface Resource {
  path: string;
  /** Path with the query string. */
  uri: string;
  content_type: string;
  bytes: number;
  /** Served from the edge cache when warm; false: every request goes to the origin. */
  cacheable: boolean;
  /** Status the origin gives when healthy. */
  status: number;
}

export type PageKind = 'home' | 'category' | 'product' | 'search';

const CATEGORIES = [
  'shoes', 'sneakers', 'boots', 'jackets', 'coats', 'jeans', 'trousers', 'shirts', 't-shirts', 'knitwear', 'dresses', 'skirts',
  'bags', 'backpacks', 'watches', 'sunglasses', 'hats', 'scarves', 'socks', 'underwear', 'sportswear', 'swimwear', 'kids', 'sale',
];
const SEARCH_TERMS = [
  'black boots', 'running shoes', 'rain jacket', 'linen shirt', 'wool coat', 'white sneakers', 'leather bag', 'denim jacket', 'gift card',
  'summer dress', 'hiking boots', 'slim jeans', 'backpack', 'beanie', 'merino socks', 'swim shorts', 'chelsea boots', 'puffer jacket',
];
/** Asset bundles carry a content hash in their name: one deploy, one set of names. */
const BUILD = '3f9c2a1e';

export function resource(path: string, uri: string, content_type: string, bytes: number, cacheable: boolean, status = 200): Resource {
  return { path, uri, content_type, bytes: Math.max(120, Math.round(bytes)), cacheable, status };
}

export class Site {
  constructor(
    readonly host: string,
    readonly products: number,
  ) {}

  category(random: Random): string {
    return random.pick(CATEGORIES);
  }

  searchTerm(random: Random): string {
    return random.pick(SEARCH_TERMS);
  }

  /** Full URL, for Referer headers. */
  url(resource: Resource): string {
    return `https://${this.host}${resource.uri}`;
  }

  home(random: Random): Resource {
    return resource('/', '/', 'text/html', random.lognormal(38_000, 0.1), false);
  }

  categoryPage(slug: string, page: number, random: Random): Resource {
    const path = `/c/${slug}`;
    return resource(path, page > 1 ? `${path}?page=${page}` : path, 'text/html', random.lognormal(34_000, 0.15), false);
  }

  /** Product ids run 1…products; any other id is a 404 (sold out and removed, or never existed). */
  product(id: number, random: Random): Resource {
    const path = `/product/${id}`;
    if (id < 1 || id > this.products) return resource(path, path, 'text/html', random.lognormal(6_500, 0.05), false, 404);
    return resource(path, path, 'text/html', random.lognormal(29_000, 0.2), false);
  }

  search(query: string, random: Random): Resource {
    return resource('/search', `/search?q=${encodeURIComponent(query).replace(/%20/g, '+')}`, 'text/html', random.lognormal(24_000, 0.25), false);
  }

  /** A dynamic page with a fixed size: login, cart, checkout, account. */
  dynamic(path: string, random: Random, status = 200, content_type = 'text/html', bytes = 18_000): Resource {
    return resource(path, path, content_type, random.lognormal(bytes, 0.1), false, status);
  }

  /** The answer to a login POST: 302 to the account on success, 401 with a JSON error otherwise. */
  loginResult(success: boolean, random: Random): Resource {
    return success ? resource('/login', '/login', 'text/html', random.lognormal(420, 0.05), false, 302) : resource('/login', '/login', 'application/json', random.lognormal(310, 0.05), false, 401);
  }

  recommendations(productId: number, random: Random): Resource {
    const uri = `/api/recommendations?product=${productId}`;
    return resource('/api/recommendations', uri, 'application/json', random.lognormal(3_800, 0.3), false);
  }

  /**
   * The JSON API the single-page app and the mobile app call (and its abusers): `/api/…`,
   * uncacheable except the app's configuration. Product ids outside the catalogue are 404s.
   */
  api(path: string, random: Random, bytes: number, status = 200, query = ''): Resource {
    return resource(path, query === '' ? path : `${path}?${query}`, 'application/json', random.lognormal(bytes, 0.25), false, status);
  }

  apiProduct(id: number, random: Random): Resource {
    return this.api(`/api/products/${id}`, random, 4_200, id < 1 || id > this.products ? 404 : 200);
  }

  apiSearch(query: string, random: Random): Resource {
    return this.api('/api/search', random, 9_000, 200, `q=${encodeURIComponent(query).replace(/%20/g, '+')}`);
  }

  apiCategory(slug: string, page: number, random: Random): Resource {
    return this.api(`/api/categories/${slug}`, random, 11_000, 200, page > 1 ? `page=${page}` : '');
  }

  /** The app's remote configuration: edge-cached for a minute. */
  apiConfig(): Resource {
    return resource('/api/config', '/api/config', 'application/json', 2_300, true);
  }

  /** Adding to the cart: 200, or 409 once the product is sold out. */
  apiCartAdd(random: Random, soldOut = false): Resource {
    return this.api('/api/cart/items', random, soldOut ? 240 : 1_300, soldOut ? 409 : 200);
  }

  /** The website's add-to-cart for a product page's form: 200, or 409 once sold out. */
  cartAdd(random: Random, soldOut = false): Resource {
    return this.dynamic('/cart/add', random, soldOut ? 409 : 200, 'application/json', soldOut ? 240 : 1_400);
  }

  /** Placing the order through the API: 201, or 409 when the reserved item is gone. */
  apiCheckout(random: Random, soldOut = false): Resource {
    return this.api('/api/checkout', random, soldOut ? 260 : 900, soldOut ? 409 : 201);
  }

  /** First-party analytics beacon (batched events): 204. */
  apiEvents(random: Random): Resource {
    return resource('/api/events', '/api/events', 'application/json', random.lognormal(60, 0.1), false, 204);
  }

  /** The app's login: 200 with tokens, or 401. */
  apiLogin(success: boolean, random: Random): Resource {
    return this.api('/api/auth/login', random, success ? 1_600 : 180, success ? 200 : 401);
  }

  robots(): Resource {
    return resource('/robots.txt', '/robots.txt', 'text/plain', 640, true);
  }

  sitemap(part: number): Resource {
    const path = `/sitemap-products-${part}.xml`;
    return resource(path, path, 'application/xml', 95_000, true);
  }

  health(random: Random): Resource {
    return resource('/healthz', '/healthz', 'application/json', random.lognormal(180, 0.05), false);
  }

  notFound(path: string, random: Random, status = 404): Resource {
    return resource(path.split('?')[0] as string, path, 'text/html', random.lognormal(6_500, 0.05), false, status);
  }

  /** What a first visit loads once: CSS, JS bundles, fonts, logo, favicon (then browser-cached). */
  shellAssets(random: Random): Resource[] {
    return [
      resource(`/static/css/app.${BUILD}.css`, `/static/css/app.${BUILD}.css`, 'text/css', random.lognormal(21_000, 0.02), true),
      resource(`/static/js/vendor.${BUILD}.js`, `/static/js/vendor.${BUILD}.js`, 'application/javascript', random.lognormal(182_000, 0.02), true),
      resource(`/static/js/app.${BUILD}.js`, `/static/js/app.${BUILD}.js`, 'application/javascript', random.lognormal(96_000, 0.02), true),
      resource('/static/fonts/inter-var.woff2', '/static/fonts/inter-var.woff2', 'font/woff2', 24_800, true),
      resource('/static/img/logo.svg', '/static/img/logo.svg', 'image/svg+xml', 3_100, true),
      resource('/favicon.ico', '/favicon.ico', 'image/x-icon', 1_150, true),
    ];
  }

  /** Images a page shows: product photos, or listing thumbnails (lazy-loaded, so not all). */
  pageImages(kind: PageKind, productId: number, random: Random, popular: () => number): Resource[] {
    const images: Resource[] = [];
    const image = (path: string, median: number): void => {
      images.push(resource(path, path, 'image/webp', random.lognormal(median, 0.35), true));
    };
    if (kind === 'product') {
      const count = random.int(3, 6);
      for (let i = 1; i <= count; i++) image(`/img/p/${productId}/${i}.webp`, 52_000);
    } else {
      if (kind === 'home') for (let i = 1; i <= 2; i++) image(`/img/banner/autumn-${i}.webp`, 85_000);
      // A listing shows distinct products: draw until `count` different ones (or give up).
      const count = random.int(8, 16);
      const shown = new Set<number>();
      for (let draws = 0; shown.size < count && draws < count * 4; draws++) shown.add(popular());
      for (const id of shown) image(`/img/p/${id}/thumb.webp`, 14_000);
    }
    return images;
  }
}

/**
 * What vulnerability scanners ask for: leaked configuration, VCS metadata, admin panels, backups
 * and known-vulnerable endpoints (the top of any WAF's "sensitive path" hit list). Status is what
 * this shop answers: mostly 404; the web server denies dotfiles (403); /admin redirects.
 */
export const PROBE_PATHS: readonly (readonly [string, number])[] = [
  ['/.env', 403], ['/.env.production', 403], ['/.env.local', 403], ['/.git/config', 403], ['/.git/HEAD', 403], ['/.svn/entries', 403],
  ['/.DS_Store', 403], ['/.aws/credentials', 403], ['/.htpasswd', 403], ['/wp-login.php', 404], ['/wp-admin/', 404],
  ['/xmlrpc.php', 404], ['/wp-content/plugins/revslider/readme.txt', 404], ['/phpmyadmin/', 404], ['/pma/', 404], ['/admin', 302],
  ['/admin/config.php', 404], ['/administrator/', 404], ['/backup.zip', 404], ['/backup.sql', 404], ['/db.sql', 404],
  ['/site.tar.gz', 404], ['/config.json', 404], ['/config.php.bak', 404], ['/web.config', 404], ['/server-status', 403],
  ['/actuator/env', 404], ['/actuator/health', 404], ['/api/v1/debug', 404], ['/console', 404], ['/solr/admin/info/system', 404],
  ['/cgi-bin/luci', 404], ['/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php', 404], ['/boaform/admin/formLogin', 404],
  ['/owa/auth/logon.aspx', 404], ['/remote/login', 404], ['/.well-known/security.txt', 404], ['/info.php', 404],
  ['/phpinfo.php', 404], ['/test.php', 404], ['/debug/default/view', 404], ['/telescope/requests', 404], ['/_profiler/phpinfo', 404],
];
