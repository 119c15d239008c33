/**
 * The built-in request signatures of `attack-signatures` (the default of its `signatures`
 * config): path traversal, exploit probes for known CVEs, SQL injection and XSS probes.
 *
 * Each is data: a numeric id (in evidence), a class (the signal's name and action), the decoded
 * and lower-cased targets it is tried on, one or more anchors (literals that must occur in the
 * target; they are indexed, so a signature costs nothing until its anchor is found) and an
 * optional regular expression that confirms the match (case-insensitive).
 *
 * False positives: every signature here was written against the shop URLs in
 * testdata/shop-urls.txt (search queries with apostrophes and "or"/"and", product slugs with dots,
 * UTM and click ids, prices, paths of Magento, Shopify, WooCommerce and Next.js shops) and none
 * matches one. They look for syntax, not words: `union` alone, `sleep (king size)` or
 * `javascript: the good parts` never match; `union select`, `sleep(5)` and `javascript:alert(1)` do.
 */
import type { SignatureInput } from './config.js';

export const DEFAULT_SIGNATURES: readonly SignatureInput[] = [
  // ---- traversal (100s): the decoder has already undone %2e, %252e, %c0%ae, %u002e, …
  { id: 101, class: 'traversal', targets: ['path'], anchors: ['..'], regex: '(?:^|[/\\\\])\\.\\.(?:[/\\\\;]|$)', description: 'A dot-dot path segment: browsers resolve them before sending, only a traversal payload keeps one (raw or encoded).' },
  { id: 102, class: 'traversal', targets: ['query'], anchors: ['../', '..\\'], regex: '\\.\\.[/\\\\]+\\.*\\.\\.[/\\\\]', description: 'Two parent steps in a parameter (`../../`, `..\\..\\`, `....//....//`).' },
  { id: 103, class: 'traversal', targets: ['path', 'query'], anchors: ['\u0000'], regex: null, description: 'A NUL byte (%00): truncates a file name in C-based handlers.' },
  // ---- exploit probes for known vulnerabilities (200s)
  { id: 201, class: 'exploit', targets: ['path'], anchors: ['eval-stdin.php'], regex: null, description: 'PHPUnit eval-stdin.php remote code execution (CVE-2017-9841).' },
  { id: 202, class: 'exploit', targets: ['path'], anchors: ['/_ignition/execute-solution'], regex: null, description: 'Laravel Ignition remote code execution (CVE-2021-3129).' },
  { id: 203, class: 'exploit', targets: ['path', 'query'], anchors: ['invokefunction'], regex: null, description: 'ThinkPHP invokefunction remote code execution (CVE-2018-20062).' },
  { id: 204, class: 'exploit', targets: ['path'], anchors: ['/boaform/'], regex: null, description: 'Boa router admin forms (Realtek/GPON botnet exploits).' },
  { id: 205, class: 'exploit', targets: ['path'], anchors: ['/gponform/'], regex: null, description: 'GPON router authentication bypass (CVE-2018-10561).' },
  { id: 206, class: 'exploit', targets: ['path'], anchors: ['/hnap1'], regex: '^/hnap1(?:/|$)', description: 'D-Link HNAP command injection (CVE-2015-2051).' },
  { id: 207, class: 'exploit', targets: ['path'], anchors: ['/luci/;stok='], regex: null, description: 'TP-Link LuCI stok injection (CVE-2023-1389).' },
  { id: 208, class: 'exploit', targets: ['path'], anchors: ['/mgmt/tm/util/bash'], regex: null, description: 'F5 BIG-IP iControl REST authentication bypass (CVE-2022-1388).' },
  { id: 209, class: 'exploit', targets: ['path'], anchors: ['/tmui/login.jsp/..;'], regex: null, description: 'F5 BIG-IP TMUI traversal (CVE-2020-5902).' },
  { id: 210, class: 'exploit', targets: ['path'], anchors: ['/actuator/gateway/routes'], regex: null, description: 'Spring Cloud Gateway code injection (CVE-2022-22947).' },
  { id: 211, class: 'exploit', targets: ['query'], anchors: ['autodiscover.json'], regex: 'autodiscover\\.json\\?@', description: 'Exchange ProxyShell (CVE-2021-34473).' },
  { id: 212, class: 'exploit', targets: ['path'], anchors: ['connector.minimal.php'], regex: null, description: 'WordPress File Manager upload (CVE-2020-25213).' },
  { id: 213, class: 'exploit', targets: ['path'], anchors: ['/api/jsonws/invoke'], regex: null, description: 'Liferay JSON web services deserialisation (CVE-2020-7961).' },
  { id: 214, class: 'exploit', targets: ['path'], anchors: ['/wls-wsat/'], regex: null, description: 'WebLogic wls-wsat deserialisation (CVE-2017-10271).' },
  { id: 215, class: 'exploit', targets: ['path'], anchors: ['/_async/asyncresponseservice'], regex: null, description: 'WebLogic _async deserialisation (CVE-2019-2725).' },
  { id: 216, class: 'exploit', targets: ['path'], anchors: ['console.portal'], regex: null, description: 'WebLogic console traversal (CVE-2020-14882).' },
  { id: 217, class: 'exploit', targets: ['path', 'query'], anchors: ['{(#'], regex: '[$%]\\{\\s*\\(#', description: 'OGNL expression (Struts2, CVE-2017-5638, CVE-2018-11776).' },
  { id: 218, class: 'exploit', targets: ['path', 'query'], anchors: ['{#'], regex: '[$%]\\{#(?:context|_memberaccess|request|parameters|application|session|attr)', description: 'OGNL context access (Struts2).' },
  { id: 219, class: 'exploit', targets: ['path', 'query', 'user_agent'], anchors: ['${'], regex: '\\$\\{(?:jndi|[^}]{0,40}\\$\\{(?:lower|upper|env|sys|date|::-|base64))', description: 'Log4Shell JNDI lookup, plain or obfuscated (CVE-2021-44228).' },
  { id: 220, class: 'exploit', targets: ['path', 'query', 'user_agent'], anchors: ['()'], regex: '\\(\\)\\s*\\{[^}]*\\}\\s*;', description: 'Shellshock function definition (CVE-2014-6271).' },
  { id: 221, class: 'exploit', targets: ['query'], anchors: ['xdebug_session_start'], regex: null, description: 'Xdebug remote debugging session probe.' },
  { id: 222, class: 'exploit', targets: ['path', 'query'], anchors: ['wget'], regex: '(?:[;|&`=]|\\$\\()\\s*wget\\s+(?:-\\w|[a-z]+://|\\d{1,3}\\.\\d{1,3}\\.|/)', description: 'Command injection: wget of a payload.' },
  { id: 223, class: 'exploit', targets: ['path', 'query'], anchors: ['curl'], regex: '(?:[;|&`]|\\$\\()\\s*curl\\s+(?:-\\w|[a-z]+://|/)', description: 'Command injection: curl of a payload.' },
  { id: 224, class: 'exploit', targets: ['path', 'query'], anchors: ['chmod'], regex: 'chmod\\s+(?:\\+x|[0-7]{3,4}|-r)\\b', description: 'Command injection: chmod.' },
  { id: 225, class: 'exploit', targets: ['path', 'query'], anchors: ['busybox'], regex: 'busybox\\s+(?:wget|tftp|sh|chmod|rm|cat|echo|nc|telnetd|ftpget)\\b', description: 'Command injection: busybox applet (IoT botnets).' },
  { id: 226, class: 'exploit', targets: ['path', 'query'], anchors: ['/bin/'], regex: '(?:[;|&`=]|\\$\\()\\s*/bin/(?:ba)?sh\\b', description: 'Command injection: a shell.' },
  { id: 227, class: 'exploit', targets: ['path', 'query'], anchors: ['rm -rf'], regex: '(?:[;|&`]|\\$\\()\\s*rm\\s+-rf\\b', description: 'Command injection: rm -rf.' },
  { id: 228, class: 'exploit', targets: ['path', 'query'], anchors: ['{{'], regex: '\\{\\{\\s*(?:config|self|request|_self|lipsum|cycler|joiner)\\b', description: 'Server-side template injection probe (Jinja2/Twig objects).' },
  { id: 229, class: 'exploit', targets: ['path', 'query'], anchors: ['*'], regex: '(?:\\$\\{|#\\{|\\{\\{|<%=)\\s*\\d+\\s*\\*\\s*\\d+\\s*(?:\\}|%>)', description: 'Server-side template injection probe (`{{7*7}}`, `${7*7}`, `<%= 7*7 %>`).' },
  { id: 230, class: 'exploit', targets: ['path', 'query'], anchors: ['\n'], regex: '\\n\\s*(?:set-cookie|location|content-(?:type|length)|x-[a-z-]+)\\s*:', description: 'CRLF injection of a response header (%0d%0aSet-Cookie:).' },
  // ---- SQL injection (300s)
  { id: 301, class: 'sqli', targets: ['path', 'query'], anchors: ['union'], regex: '\\bunion\\b[\\s/*()+]+(?:(?:all|distinct)\\b[\\s/*()+]+)?select\\b', description: 'UNION SELECT.' },
  { id: 302, class: 'sqli', targets: ['path', 'query'], anchors: ["'"], regex: "'\\s*(?:or|and|xor|\\|\\||&&)\\s*(?:'[^']*'|\\d+|true|false|null)\\s*(?:=|<>|!=|<|>|like\\b|is\\b)", description: "A quoted tautology (`' or '1'='1`, `' OR 1=1`)." },
  { id: 303, class: 'sqli', targets: ['path', 'query'], anchors: ["'"], regex: "'\\s*(?:or|and|\\|\\|)\\s*(?:true|\\d+|'\\w*')?\\s*(?:--|#|/\\*|;)", description: "A quoted condition cut by a comment (`' or true--`)." },
  { id: 304, class: 'sqli', targets: ['path', 'query'], anchors: [' or ', ' and ', ' xor '], regex: '\\b(?:or|and|xor)\\s+(\\d+)\\s*=\\s*\\1\\b', description: 'A numeric tautology (`1 or 1=1`, `and 2=2`).' },
  { id: 305, class: 'sqli', targets: ['path', 'query'], anchors: ["'"], regex: "'\\s*\\)*\\s*(?:--(?:\\s|$)|#|/\\*)", description: "A quote closed by a comment (`admin'--`, `1')#`)." },
  { id: 306, class: 'sqli', targets: ['path', 'query'], anchors: ['sleep'], regex: '\\b(?:pg_)?sleep\\s*\\(\\s*\\d+(?:\\.\\d+)?\\s*\\)', description: 'Time-based probe: sleep(n).' },
  { id: 307, class: 'sqli', targets: ['path', 'query'], anchors: ['benchmark'], regex: '\\bbenchmark\\s*\\(\\s*\\d+\\s*,', description: 'Time-based probe: benchmark(n, …).' },
  { id: 308, class: 'sqli', targets: ['path', 'query'], anchors: ['waitfor'], regex: "\\bwaitfor\\s+(?:delay|time)\\s+'", description: "Time-based probe: waitfor delay '…'." },
  { id: 309, class: 'sqli', targets: ['path', 'query'], anchors: ['dbms_pipe.receive_message'], regex: null, description: 'Time-based probe (Oracle).' },
  { id: 310, class: 'sqli', targets: ['path', 'query'], anchors: ['information_schema', 'pg_catalog', 'sysobjects', 'syscolumns', 'mysql.user', 'sqlite_master'], regex: null, description: 'System catalog access.' },
  { id: 311, class: 'sqli', targets: ['path', 'query'], anchors: ['xp_cmdshell'], regex: null, description: 'xp_cmdshell (SQL Server command execution).' },
  { id: 312, class: 'sqli', targets: ['path', 'query'], anchors: ['load_file'], regex: 'load_file\\s*\\(', description: 'load_file( (MySQL file read).' },
  { id: 313, class: 'sqli', targets: ['path', 'query'], anchors: ['outfile', 'dumpfile'], regex: '\\binto\\s+(?:out|dump)file\\b', description: 'into outfile (MySQL file write).' },
  { id: 314, class: 'sqli', targets: ['path', 'query'], anchors: ['@@version', '@@datadir', '@@hostname'], regex: null, description: 'Server variables (fingerprinting).' },
  { id: 315, class: 'sqli', targets: ['path', 'query'], anchors: ['concat'], regex: '\\b(?:group_)?concat(?:_ws)?\\s*\\(', description: 'concat( in a parameter (error- and union-based extraction).' },
  { id: 316, class: 'sqli', targets: ['path', 'query'], anchors: ['extractvalue', 'updatexml'], regex: '\\b(?:extractvalue|updatexml)\\s*\\(', description: 'Error-based extraction (extractvalue, updatexml).' },
  { id: 317, class: 'sqli', targets: ['path', 'query'], anchors: ['char('], regex: '\\bchar\\(\\s*\\d+\\s*(?:,\\s*\\d+\\s*)+\\)', description: 'char(n, n, …) string building.' },
  { id: 318, class: 'sqli', targets: ['path', 'query'], anchors: [';'], regex: ';\\s*(?:drop\\s+(?:table|database)\\b|shutdown\\b|exec(?:ute)?\\s+(?:xp_|sp_|master\\.)|declare\\s+@)', description: 'A stacked query (`; drop table`, `; exec xp_…`).' },
  { id: 319, class: 'sqli', targets: ['path', 'query'], anchors: ['order by'], regex: "(?:'\\s*\\)*\\s*order\\s+by\\s+\\d|\\border\\s+by\\s+\\d+\\s*(?:--|#))", description: 'Column counting with ORDER BY n.' },
  // ---- cross-site scripting (400s)
  { id: 401, class: 'xss', targets: ['path', 'query', 'user_agent'], anchors: ['<'], regex: '<\\s*/?\\s*(?:script|iframe|svg|object|embed|img|body|math|details|marquee|base|meta|frameset|applet|isindex)\\b', description: 'An HTML tag that runs or loads code.' },
  { id: 402, class: 'xss', targets: ['path', 'query'], anchors: ['<'], regex: '<[a-z!/?][^>]*\\bon[a-z]{3,}\\s*=', description: 'A tag with an event handler (`<x onerror=`).' },
  { id: 403, class: 'xss', targets: ['path', 'query'], anchors: ['script:'], regex: '\\b(?:java|vb)script\\s*:\\s*(?:[\\w.$]+\\s*[(`=]|/\\*|//|\\[)', description: 'A javascript: URL that calls something (`javascript:alert(1)`).' },
  { id: 404, class: 'xss', targets: ['path', 'query'], anchors: ['document.'], regex: 'document\\.(?:cookie|domain|location|write)\\b', description: 'document.cookie / domain / location / write.' },
  { id: 405, class: 'xss', targets: ['path', 'query'], anchors: ['alert', 'prompt', 'confirm'], regex: '\\b(?:alert|prompt|confirm)\\s*(?:\\(|`)\\s*(?:\\d|[\'"`/]|document|window|this|location)', description: 'alert(1), prompt`…`, confirm(document…).' },
  { id: 406, class: 'xss', targets: ['path', 'query'], anchors: ['fromcharcode'], regex: null, description: 'String.fromCharCode (payload obfuscation).' },
  { id: 407, class: 'xss', targets: ['path', 'query'], anchors: ['data:text/html'], regex: null, description: 'A data:text/html URL.' },
];
