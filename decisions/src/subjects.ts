/**
 * The subjects a client falls under are the keys core's `clientSubjects` spells (`ipua:<ip> <user
 * agent>`, `ip:<ip>`, `prefix:<cidr>`, `asn:<n>`, `ja4:<fp>`, `ua:<user agent>`, canonical IP
 * forms). `SubjectIndex` finds a client's entries without spelling them: one table per kind keyed
 * by the raw value (an address by its parsed words, whatever text it came in; an `ipua:` pair by
 * those words, then the exact user agent), so `decide()` builds no `ip:${…}` string.
 * replica.test.ts checks the index agrees with `clientSubjects` on random clients.
 */
import { AddressProbe, canonicalIp, parseIPv4, parseIPv6, parseIpuaSubject } from '@botsieve/core';
import type { DecisionClient } from './types.js';

/**
 * Values by 128-bit address (an IPv4 address as its IPv4-mapped IPv6 form), found from the words
 * an AddressProbe parsed, without building text: a Map from a 30-bit hash of the words to a short
 * chain checked word by word. Words travel in a Uint32Array and are kept as int32: a number of
 * 2^31 or more passed to a function or stored in a field is boxed, 16 bytes a call (measured:
 * 203.0.113.x clients cost 16 bytes per decide while 80.x ones cost none, before this layout).
 */
class AddressTable<T> {
  private readonly chains = new Map<number, AddressItem<T>>();
  size = 0;

  get(words: Uint32Array): T | undefined {
    const w0 = (words[0] as number) | 0;
    const w1 = (words[1] as number) | 0;
    const w2 = (words[2] as number) | 0;
    const w3 = (words[3] as number) | 0;
    for (let item = this.chains.get(hashWords(words)); item !== undefined; item = item.next) {
      if (item.w3 === w3 && item.w2 === w2 && item.w1 === w1 && item.w0 === w0) return item.value;
    }
    return undefined;
  }

  set(words: Uint32Array, value: T): void {
    const hash = hashWords(words);
    const head = this.chains.get(hash);
    const item = this.find(head, words);
    if (item !== undefined) {
      item.value = value;
      return;
    }
    this.chains.set(hash, new AddressItem((words[0] as number) | 0, (words[1] as number) | 0, (words[2] as number) | 0, (words[3] as number) | 0, value, head));
    this.size += 1;
  }

  delete(words: Uint32Array): boolean {
    const hash = hashWords(words);
    let previous: AddressItem<T> | undefined;
    for (let item = this.chains.get(hash); item !== undefined; previous = item, item = item.next) {
      if (this.find(item, words) !== item) continue;
      if (previous !== undefined) previous.next = item.next;
      else if (item.next === undefined) this.chains.delete(hash);
      else this.chains.set(hash, item.next);
      this.size -= 1;
      return true;
    }
    return false;
  }

  clear(): void {
    this.chains.clear();
    this.size = 0;
  }

  *values(): IterableIterator<T> {
    for (const head of this.chains.values()) for (let item: AddressItem<T> | undefined = head; item !== undefined; item = item.next) yield item.value;
  }

  /** The first item from `item` on holding `words`. */
  private find(item: AddressItem<T> | undefined, words: Uint32Array): AddressItem<T> | undefined {
    for (; item !== undefined; item = item.next) {
      if (item.w3 === ((words[3] as number) | 0) && item.w2 === ((words[2] as number) | 0) && item.w1 === ((words[1] as number) | 0) && item.w0 === ((words[0] as number) | 0)) return item;
    }
    return undefined;
  }
}

class AddressItem<T> {
  constructor(
    readonly w0: number,
    readonly w1: number,
    readonly w2: number,
    readonly w3: number,
    public value: T,
    public next: AddressItem<T> | undefined,
  ) {}
}

/**
 * Values by address and exact user agent (`ipua:` subjects): an AddressTable leads to a Map per
 * address from user agent to value, so a lookup spells no key. An address holds few such values
 * (the clients behind one shared exit that earned a verdict of their own).
 */
class ClientTable<T> {
  private readonly byAddress = new AddressTable<Map<string, T>>();
  size = 0;

  get(words: Uint32Array, userAgent: string): T | undefined {
    return this.byAddress.get(words)?.get(userAgent);
  }

  set(words: Uint32Array, userAgent: string, value: T): void {
    let agents = this.byAddress.get(words);
    if (agents === undefined) {
      agents = new Map<string, T>();
      this.byAddress.set(words, agents);
    }
    if (!agents.has(userAgent)) this.size += 1;
    agents.set(userAgent, value);
  }

  delete(words: Uint32Array, userAgent: string): boolean {
    const agents = this.byAddress.get(words);
    if (agents === undefined || !agents.delete(userAgent)) return false;
    if (agents.size === 0) this.byAddress.delete(words);
    this.size -= 1;
    return true;
  }

  clear(): void {
    this.byAddress.clear();
    this.size = 0;
  }

  *values(): IterableIterator<T> {
    for (const agents of this.byAddress.values()) yield* agents.values();
  }
}

/** A 30-bit hash of four 32-bit words (murmur3's mixing): a small integer, stored unboxed. */
function hashWords(words: Uint32Array): number {
  let h = Math.imul((words[0] as number) ^ 0x2545f491, 0xcc9e2d51);
  h = Math.imul(h ^ (words[1] as number) ^ (h >>> 15), 0x1b873593);
  h = Math.imul(h ^ (words[2] as number) ^ (h >>> 13), 0xcc9e2d51);
  h = Math.imul(h ^ (words[3] as number) ^ (h >>> 16), 0x1b873593);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

/** Where a subject lives in the index, and its key there. */
type Slot<T> =
  | { clients: ClientTable<T>; words: Uint32Array; userAgent: string }
  | { table: AddressTable<T>; words: Uint32Array }
  | { map: Map<string, T>; key: string }
  | { map: Map<number, T>; key: number };

/** Reused by `slot` (single-threaded, never re-entered; `set` copies the words it keeps). */
const WORDS = new Uint32Array(4);

/**
 * Values by subject, split by kind so a client's subjects are found by their raw values: its
 * address and /64 by their words, its address and user agent by the words then the string, its
 * /24 by its network number, its ASN by number, its JA4 and user agent by the strings it came
 * with. Subjects no client can ever match (an unknown kind, `ip:010.0.0.1`, `asn:07`,
 * `prefix:10.0.0.0/8`, `ipua:::ffff:10.0.0.1 curl/8`) are held in `others`, so the index still
 * holds, counts and lists everything it was given.
 */
export class SubjectIndex<T> {
  /** `ipua:` subjects by the address's words (IPv4 as IPv4-mapped), then the exact user agent. */
  private readonly clients = new ClientTable<T>();
  /** `ip:` subjects (IPv4 as IPv4-mapped). */
  private readonly addresses = new AddressTable<T>();
  /** `prefix:a.b.c.0/24` by the network number `a << 16 | b << 8 | c`: a small integer. */
  private readonly networks = new Map<number, T>();
  /** `prefix:<ipv6>/64` by its words (the last two zero). */
  private readonly networks6 = new AddressTable<T>();
  private readonly asns = new Map<number, T>();
  private readonly ja4s = new Map<string, T>();
  private readonly userAgents = new Map<string, T>();
  private readonly others = new Map<string, T>();
  private readonly maps = [this.networks, this.asns, this.ja4s, this.userAgents, this.others] as const;
  /** Scratch for `collect` (single-threaded, never re-entered). */
  private readonly probe = new AddressProbe();
  /** `collect`'s IPv4 address as IPv4-mapped words, and a /64's words (the last two stay 0). */
  private readonly mapped = Uint32Array.of(0, 0, 0xffff, 0);
  private readonly network64 = new Uint32Array(4);

  get size(): number {
    let size = this.clients.size + this.addresses.size + this.networks6.size;
    for (const map of this.maps) size += map.size;
    return size;
  }

  get(subject: string): T | undefined {
    const slot = this.slot(subject);
    if ('clients' in slot) return slot.clients.get(slot.words, slot.userAgent);
    if ('table' in slot) return slot.table.get(slot.words);
    return typeof slot.key === 'number' ? (slot.map as Map<number, T>).get(slot.key) : (slot.map as Map<string, T>).get(slot.key);
  }

  set(subject: string, value: T): void {
    const slot = this.slot(subject);
    if ('clients' in slot) slot.clients.set(slot.words, slot.userAgent, value);
    else if ('table' in slot) slot.table.set(slot.words, value);
    else if (typeof slot.key === 'number') (slot.map as Map<number, T>).set(slot.key, value);
    else (slot.map as Map<string, T>).set(slot.key, value);
  }

  delete(subject: string): boolean {
    const slot = this.slot(subject);
    if ('clients' in slot) return slot.clients.delete(slot.words, slot.userAgent);
    if ('table' in slot) return slot.table.delete(slot.words);
    return typeof slot.key === 'number' ? (slot.map as Map<number, T>).delete(slot.key) : (slot.map as Map<string, T>).delete(slot.key);
  }

  clear(): void {
    this.clients.clear();
    this.addresses.clear();
    this.networks6.clear();
    for (const map of this.maps) map.clear();
  }

  *values(): IterableIterator<T> {
    yield* this.clients.values();
    yield* this.addresses.values();
    yield* this.networks6.values();
    for (const map of this.maps) yield* map.values();
  }

  /**
   * The values held for `client`'s subjects, most specific first (ipua, ip, prefix, asn, ja4, ua:
   * core's VERDICT_SUBJECT_KINDS), written into `found` from index 0; returns how many. Allocates
   * nothing, whatever form the address is in: this is the allow path of `decide()`.
   */
  collect(client: DecisionClient, found: (T | undefined)[]): number {
    let n = 0;
    let value: T | undefined;
    const ip = client.ip;
    const userAgent = client.user_agent;
    // A client falls under `ipua:` only when its user agent is known ('' included), as in
    // clientSubjects. With no `ipua:` verdict held, that lookup (a hash of the words) is skipped.
    const pairs = typeof userAgent === 'string' && this.clients.size > 0;
    if (typeof ip === 'string') {
      const probe = this.probe.set(ip);
      if (probe.version === 4) {
        this.mapped[3] = probe.v4;
        if (pairs && (value = this.clients.get(this.mapped, userAgent)) !== undefined) found[n++] = value;
        if ((value = this.addresses.get(this.mapped)) !== undefined) found[n++] = value;
        if ((value = this.networks.get(probe.v4 >>> 8)) !== undefined) found[n++] = value;
      } else if (probe.version === 6) {
        if (pairs && (value = this.clients.get(probe.words, userAgent)) !== undefined) found[n++] = value;
        if ((value = this.addresses.get(probe.words)) !== undefined) found[n++] = value;
        this.network64[0] = probe.words[0] as number;
        this.network64[1] = probe.words[1] as number;
        if ((value = this.networks6.get(this.network64)) !== undefined) found[n++] = value;
      }
    }
    const asn = client.asn;
    if (typeof asn === 'number' && asn > 0 && (value = this.asns.get(asn)) !== undefined) found[n++] = value;
    const ja4 = client.ja4;
    if (typeof ja4 === 'string' && ja4 !== '' && (value = this.ja4s.get(ja4)) !== undefined) found[n++] = value;
    if (typeof userAgent === 'string' && (value = this.userAgents.get(userAgent)) !== undefined) found[n++] = value;
    return n;
  }

  /**
   * Where `subject` lives. Off the hot path (apply, remove): it slices the value out. Only the
   * canonical spelling (core's canonicalIp, the form events carry) goes to the address tables,
   * as only it was ever matched by a client's `ip:${canonical}` key.
   */
  private slot(subject: string): Slot<T> {
    const colon = subject.indexOf(':');
    const kind = colon > 0 ? subject.slice(0, colon) : '';
    const value = subject.slice(colon + 1);
    // `ua:` alone is the empty user agent (requests that send none), a subject of its own.
    if (kind === 'ua') return { map: this.userAgents, key: value };
    if (value !== '') {
      switch (kind) {
        case 'ipua': {
          const pair = parseIpuaSubject(subject);
          if (pair !== null && canonicalWords(pair.ip)) return { clients: this.clients, words: WORDS, userAgent: pair.user_agent };
          break;
        }
        case 'ip':
          if (canonicalWords(value)) return { table: this.addresses, words: WORDS };
          break;
        case 'prefix': {
          if (value.endsWith('.0/24')) {
            const network = parseIPv4(value, 0, value.length - 3);
            if (network >= 0) return { map: this.networks, key: network >>> 8 };
          } else if (value.endsWith('/64') && canonicalIp(value.slice(0, -3))?.prefix === value && parseIPv6(value.slice(0, -3), WORDS)) {
            WORDS[2] = 0;
            WORDS[3] = 0;
            return { table: this.networks6, words: WORDS };
          }
          break;
        }
        case 'asn': {
          const asn = Number(value);
          // Only the decimal a client's number prints as (`asn:07` never matched `asn:${7}` either).
          if (Number.isInteger(asn) && asn > 0 && String(asn) === value) return { map: this.asns, key: asn };
          break;
        }
        case 'ja4':
          return { map: this.ja4s, key: value };
      }
    }
    return { map: this.others, key: subject };
  }
}

/**
 * The words of `text` into WORDS (IPv4 as IPv4-mapped) when it is an address in canonical form,
 * the only spelling a client's key ever had; false otherwise.
 */
function canonicalWords(text: string): boolean {
  if (text.indexOf(':') < 0) {
    const v4 = parseIPv4(text);
    if (v4 < 0) return false;
    WORDS.set([0, 0, 0xffff, v4]);
    return true;
  }
  return canonicalIp(text)?.ip === text && parseIPv6(text, WORDS);
}
