/// The static parts of the HTML report (`HTMLSink`): the head with its style sheet, the empty sections the
/// script fills, and the script. Nothing here comes from the wire.
///
/// The script reads the JSON in `<script id="data">` and builds every element with `createElement` and
/// `textContent`, never `innerHTML`, so no wire string is ever parsed as markup. Tables show one page of rows
/// at a time (sorting and filtering work on the whole array), which keeps 15,000 sessions responsive.
enum HTMLTemplate {
    /// Doctype to `<body>`. The Content-Security-Policy forbids every load from anywhere (default-src 'none');
    /// only the inline style and script run, and images only from data: URLs.
    static let head = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; \
        script-src 'unsafe-inline'; img-src data:">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>cleartext report</title>
        <style>
        :root { --fg: #1d2330; --muted: #5b6475; --line: #d9dde5; --bg: #f6f7f9; --card: #fff;
          --plaintext: #d64545; --starttls: #e0a030; --implicit-tls: #2f8f5b; --accent: #2b5fb4; }
        * { box-sizing: border-box; }
        body { margin: 0; padding: 0 24px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
          color: var(--fg); background: var(--bg); }
        h1 { font-size: 22px; margin: 18px 0 2px; } h2 { font-size: 17px; margin: 0 0 10px; }
        header, section { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
          padding: 14px 18px; margin: 14px 0; }
        .meta, .totals, .muted { color: var(--muted); } .omitted { color: #a04000; font-weight: 600; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eef1f5; font-weight: 600; white-space: nowrap; position: sticky; top: 0; }
        th.sortable { cursor: pointer; user-select: none; } th.sortable:hover { background: #e2e7ef; }
        th.asc::after { content: " \\25B2"; font-size: 10px; } th.desc::after { content: " \\25BC"; font-size: 10px; }
        td.error, p.error { color: #a01010; } td.time, td.nowrap { white-space: nowrap; }
        .scroll { overflow-x: auto; } summary { cursor: pointer; color: var(--muted); margin: 6px 0; }
        .severities { margin-top: 10px; }
        tr.session-row { cursor: pointer; } tr.session-row:hover, tr.finding-row:hover { background: #f3f6fb; }
        tr.selected { background: #e6eefc !important; }
        code, pre, .mono { font: 12px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
        code.filter { background: #f0f2f6; padding: 1px 4px; border-radius: 3px; word-break: break-all; }
        pre { background: #f0f2f6; padding: 10px; overflow: auto; max-height: 480px; white-space: pre-wrap;
          word-break: break-all; }
        .sev { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
          color: #fff; margin-right: 6px; white-space: nowrap; }
        .sev-critical { background: #8b1a1a; } .sev-high { background: #d64545; } .sev-medium { background: #e0a030; }
        .sev-low { background: #5a8fd0; } .sev-info { background: #8a93a3; }
        .severities .sev { font-size: 14px; padding: 4px 12px; }
        .t-plaintext { color: var(--plaintext); font-weight: 600; } .t-starttls { color: #a86a00; font-weight: 600; }
        .t-implicit-tls { color: var(--implicit-tls); font-weight: 600; }
        .controls { display: flex; gap: 10px; align-items: center; margin: 0 0 8px; flex-wrap: wrap; }
        .controls input[type=search] { padding: 5px 8px; width: 320px; border: 1px solid var(--line); border-radius: 4px; }
        button { font: inherit; padding: 3px 10px; border: 1px solid var(--line); border-radius: 4px; background: #fff;
          cursor: pointer; } button:disabled { opacity: .4; cursor: default; }
        button.copy { padding: 0 6px; font-size: 11px; margin-left: 4px; }
        .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
        .charts section { margin: 0; }
        svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
        .legend span { margin-right: 14px; } .legend i { display: inline-block; width: 12px; height: 12px;
          vertical-align: -2px; margin-right: 4px; border-radius: 2px; }
        a { color: var(--accent); }
        #noscript { color: #a01010; }
        </style></head><body>

        """

    /// The sections the script fills, between the header and the data.
    static let body = """
        <noscript><p id="noscript">The findings, sessions and charts are drawn by the page's script; \
        enable JavaScript, or read the same data with --format jsonl.</p></noscript>
        <section id="findings"><h2>Findings</h2><div id="findings-table"></div></section>
        <section id="timeline"><h2>Timeline</h2><div class="legend"><span><i style="background:var(--plaintext)">\
        </i>plaintext</span><span><i style="background:var(--starttls)"></i>starttls</span><span>\
        <i style="background:var(--implicit-tls)"></i>implicit-tls</span></div><div id="timeline-chart"></div></section>
        <div class="charts"><section id="versions"><h2>TLS versions</h2><div id="versions-chart"></div></section>
        <section id="ciphers"><h2>Cipher suites</h2><div id="ciphers-chart"></div></section></div>
        <section id="sessions"><h2>Sessions</h2><div id="sessions-table"></div></section>
        <section id="detail" hidden><h2 id="detail-title"></h2><div id="detail-body"></div></section>

        """

    /// The page's script. Plain ES5-style functions; strict mode; no dependencies.
    static let script = """
        <script>
        (function () {
        'use strict';
        var data = JSON.parse(document.getElementById('data').textContent);
        var SVGNS = 'http://www.w3.org/2000/svg';
        var sessions = data.sessions, findings = data.findings;
        var byId = {};
        sessions.forEach(function (s) { byId[s.id] = s; });
        var findingsOf = {};
        findings.forEach(function (f) {
          (f.session !== null ? [f.session] : f.sessions).forEach(function (id) {
            (findingsOf[id] = findingsOf[id] || []).push(f);
          });
        });
        var sevRank = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

        // Builds an element; children are nodes or strings (always added as text, never parsed).
        function el(tag, attrs, children) {
          var e = document.createElement(tag);
          if (attrs) Object.keys(attrs).forEach(function (k) {
            if (k === 'class') e.className = attrs[k]; else e.setAttribute(k, attrs[k]);
          });
          (children || []).forEach(function (c) {
            if (c === null || c === undefined) return;
            e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
          });
          return e;
        }
        function svg(tag, attrs, text) {
          var e = document.createElementNS(SVGNS, tag);
          Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
          if (text !== undefined) e.textContent = text;
          return e;
        }
        function ep(e) { return e.ip.indexOf(':') >= 0 ? '[' + e.ip + ']:' + e.port : e.ip + ':' + e.port; }
        // RFC 3339 with microseconds to milliseconds since the epoch (Date.parse wants at most 3 digits).
        function ms(t) { return t ? Date.parse(t.replace(/(\\.\\d{3})\\d*/, '$1')) : NaN; }
        function yesNo(v) { return v === true ? 'yes' : v === false ? 'no' : '\\u2013'; }

        function copyButton(text) {
          var b = el('button', { class: 'copy', type: 'button', title: 'copy to the clipboard' }, ['copy']);
          b.addEventListener('click', function (ev) {
            ev.stopPropagation();
            function done() { b.textContent = 'copied'; setTimeout(function () { b.textContent = 'copy'; }, 1200); }
            function fallback() {
              var t = el('textarea', null, [text]);
              document.body.appendChild(t); t.select();
              try { document.execCommand('copy'); done(); } catch (e) { /* nothing more to try */ }
              document.body.removeChild(t);
            }
            if (navigator.clipboard && navigator.clipboard.writeText) {
              navigator.clipboard.writeText(text).then(done, fallback);
            } else { fallback(); }
          });
          return b;
        }
        function filterCode(text) { return el('span', null, [el('code', { class: 'filter' }, [text]), copyButton(text)]); }
        function sessionLink(id) {
          if (!byId[id]) return el('span', { class: 'muted', title: 'beyond the sessions this page holds' }, ['#' + id]);
          return el('a', { href: '#session-' + id }, ['#' + id]);
        }

        // A table over `rows` showing `pageSize` at a time, with a filter box (substring of each row's
        // searchable text) and sortable columns. columns: {label, sort(row) -> number|string, cell(row) -> node|string}.
        function pagedTable(host, rows, columns, opts) {
          var view = rows.slice(), page = 0, sortCol = -1, dir = 1;
          var text = rows.map(function (r) { return opts.search(r).toLowerCase(); });
          var index = new Map(rows.map(function (r, i) { return [r, i]; }));
          var box = el('input', { type: 'search', placeholder: opts.placeholder || 'filter' });
          var prev = el('button', { type: 'button' }, ['\\u2190 previous']);
          var next = el('button', { type: 'button' }, ['next \\u2192']);
          var info = el('span', { class: 'muted' });
          var tbody = el('tbody');
          var heads = columns.map(function (c, i) {
            var th = el('th', { class: 'sortable', title: 'sort' }, [c.label]);
            th.addEventListener('click', function () {
              dir = sortCol === i ? -dir : 1; sortCol = i;
              heads.forEach(function (h) { h.classList.remove('asc', 'desc'); });
              th.classList.add(dir > 0 ? 'asc' : 'desc');
              apply();
            });
            return th;
          });
          host.appendChild(el('div', { class: 'controls' }, [box, prev, next, info]));
          host.appendChild(el('div', { class: 'scroll' }, [el('table', { class: opts.tableClass },
            [el('thead', null, [el('tr', null, heads)]), tbody])]));
          function apply() {
            var q = box.value.trim().toLowerCase();
            view = q ? rows.filter(function (r, i) { return text[i].indexOf(q) >= 0; }) : rows.slice();
            if (sortCol >= 0) {
              var key = columns[sortCol].sort;
              view.sort(function (a, b) {
                var x = key(a), y = key(b);
                return (x < y ? -dir : x > y ? dir : 0) || index.get(a) - index.get(b);
              });
            }
            page = 0; render();
          }
          function render() {
            var pages = Math.max(1, Math.ceil(view.length / opts.pageSize));
            page = Math.min(page, pages - 1);
            var frag = document.createDocumentFragment();
            view.slice(page * opts.pageSize, (page + 1) * opts.pageSize).forEach(function (r) {
              var tr = el('tr', { class: opts.rowClass });
              columns.forEach(function (c) { tr.appendChild(el('td', c.nowrap ? { class: 'nowrap' } : null, [c.cell(r)])); });
              if (opts.onRow) opts.onRow(tr, r);
              frag.appendChild(tr);
            });
            tbody.textContent = '';
            tbody.appendChild(frag);
            var from = view.length ? page * opts.pageSize + 1 : 0;
            info.textContent = from + '\\u2013' + Math.min(view.length, (page + 1) * opts.pageSize) + ' of ' +
              view.length + (view.length !== rows.length ? ' (filtered from ' + rows.length + ')' : '') +
              ', page ' + (page + 1) + ' of ' + pages;
            prev.disabled = page === 0; next.disabled = page >= pages - 1;
          }
          box.addEventListener('input', apply);
          prev.addEventListener('click', function () { page--; render(); });
          next.addEventListener('click', function () { page++; render(); });
          render();
          return { filter: function (q) { box.value = q; apply(); } };
        }

        // --- findings, most severe first (then in report order)
        var order = new Map(findings.map(function (f, i) { return [f, i]; }));
        var ordered = findings.slice().sort(function (a, b) {
          return sevRank[b.severity] - sevRank[a.severity] || order.get(a) - order.get(b);
        });
        function findingFilter(f) {
          // The evidence of a cross-session finding is the union of its sessions' filters (the first 20).
          var ids = f.session !== null ? [f.session] : f.sessions.slice(0, 20);
          var fs = ids.map(function (id) { return byId[id] && byId[id].evidence_filter; }).filter(Boolean);
          return fs.length === 1 ? fs[0] : fs.map(function (x) { return '(' + x + ')'; }).join(' || ');
        }
        if (findings.length === 0) {
          document.getElementById('findings-table').appendChild(el('p', { class: 'muted' }, ['No findings.']));
        } else {
          pagedTable(document.getElementById('findings-table'), ordered, [
            { label: 'severity', sort: function (f) { return -sevRank[f.severity]; },
              cell: function (f) { return el('span', { class: 'sev sev-' + f.severity }, [f.severity]); } },
            { label: 'rule', sort: function (f) { return f.rule; },
              cell: function (f) { return el('span', null, [el('code', null, [f.rule]), el('br'), f.title]); } },
            { label: 'message', sort: function (f) { return f.message; }, cell: function (f) { return f.message; } },
            { label: 'frames', sort: function (f) { return f.frames[0] || 0; },
              cell: function (f) { return f.frames.join(', '); } },
            { label: 'session', sort: function (f) { return f.session !== null ? f.session : f.sessions[0]; },
              cell: function (f) {
                var ids = f.session !== null ? [f.session] : f.sessions;
                var span = el('span');
                ids.forEach(function (id, i) { if (i) span.appendChild(document.createTextNode(' ')); span.appendChild(sessionLink(id)); });
                return span;
              } },
            { label: 'Wireshark filter', sort: function (f) { return findingFilter(f); },
              cell: function (f) { var x = findingFilter(f); return x ? filterCode(x) : ''; } }
          ], { pageSize: 500, rowClass: 'finding-row', tableClass: 'findings', placeholder: 'filter findings',
               search: function (f) { return [f.severity, f.rule, f.title, f.message, f.session].join(' '); } });
        }

        // --- sessions
        function startTLS(s) {
          if (s.transport === 'implicit-tls') return 'implicit TLS';
          var st = s.starttls;
          var offered = st.offered === true ? 'offered' : st.offered === false ? 'not offered' : 'no capability list';
          if (st.attempted) return offered + ', ' + (st.succeeded ? 'upgraded' : 'upgrade failed');
          return offered + (st.offered ? ', not used' : '');
        }
        function creds(s) {
          return s.credentials.map(function (c) {
            return c.mechanism + ' user=' + (c.username === null ? '\\u2013' : c.username) +
              (c.secret !== undefined ? ' secret=' + (c.secret === null ? '\\u2013' : c.secret) : '') +
              ' ' + c.outcome + (c.exposure !== 'none' ? ' (' + c.exposure + ')' : '');
          }).join('; ');
        }
        function tlsField(s, k) { return s.tls && s.tls[k] !== null && s.tls[k] !== undefined ? String(s.tls[k]) : ''; }
        var sessionColumns = [
          { label: 'id', sort: function (s) { return s.id; }, cell: function (s) { return String(s.id); } },
          { label: 'start (UTC)', nowrap: true, sort: function (s) { return s.start; }, cell: function (s) { return s.start.replace('T', ' ').replace('Z', ''); } },
          { label: 'protocol', sort: function (s) { return s.protocol; }, cell: function (s) { return s.protocol; } },
          { label: 'client', nowrap: true, sort: function (s) { return ep(s.client); }, cell: function (s) { return ep(s.client); } },
          { label: 'server', nowrap: true, sort: function (s) { return ep(s.server); }, cell: function (s) { return ep(s.server); } },
          { label: 'transport', nowrap: true, sort: function (s) { return s.transport; },
            cell: function (s) { return el('span', { class: 't-' + s.transport }, [s.transport]); } },
          { label: 'STARTTLS', nowrap: true, sort: startTLS, cell: startTLS },
          { label: 'TLS version', nowrap: true, sort: function (s) { return tlsField(s, 'version'); }, cell: function (s) { return tlsField(s, 'version'); } },
          { label: 'cipher', sort: function (s) { return tlsField(s, 'cipher'); }, cell: function (s) { return tlsField(s, 'cipher'); } },
          { label: 'SNI', sort: function (s) { return tlsField(s, 'sni'); }, cell: function (s) { return tlsField(s, 'sni'); } },
          { label: 'credentials', sort: creds, cell: creds },
          { label: 'findings', sort: function (s) { return (findingsOf[s.id] || []).length; },
            cell: function (s) { var n = (findingsOf[s.id] || []).length; return n ? String(n) : ''; } }
        ];
        var selectedRow = null;
        var inIdOrder = sessions.slice().sort(function (a, b) { return a.id - b.id; });
        var sessionTable = pagedTable(document.getElementById('sessions-table'), inIdOrder, sessionColumns, {
          pageSize: 200, rowClass: 'session-row', tableClass: 'sessions',
          placeholder: 'filter sessions (address, protocol, user, cipher ...)',
          search: function (s) {
            return ['#' + s.id, s.file, s.protocol, ep(s.client), ep(s.server), s.transport, startTLS(s),
                    tlsField(s, 'version'), tlsField(s, 'cipher'), tlsField(s, 'sni'), creds(s), s.banner || ''].join(' ');
          },
          onRow: function (tr, s) {
            tr.addEventListener('click', function () {
              if (selectedRow) selectedRow.classList.remove('selected');
              selectedRow = tr; tr.classList.add('selected');
              location.hash = 'session-' + s.id;
            });
          }
        });
        if (data.sessions_omitted > 0) {
          document.getElementById('sessions-table').appendChild(el('p', { class: 'omitted' },
            [data.sessions_omitted + ' more sessions are not in this page.']));
        }

        // --- one session in detail: its findings, evidence filter, and every field of its record
        function showSession(id) {
          var s = byId[id], box = document.getElementById('detail'), body = document.getElementById('detail-body');
          if (!s) return;
          box.hidden = false;
          document.getElementById('detail-title').textContent = 'Session #' + s.id + ' \\u2014 ' + s.protocol + ' ' +
            ep(s.client) + ' \\u2192 ' + ep(s.server) + ' (' + s.transport + ')';
          body.textContent = '';
          body.appendChild(el('p', null, ['Wireshark filter: ', filterCode(s.evidence_filter)]));
          body.appendChild(el('p', { class: 'muted' }, [s.file + ', frames ' + s.first_frame + '\\u2013' + s.last_frame +
            ', ' + s.start + ' \\u2013 ' + s.end]));
          var fl = el('ul');
          (findingsOf[s.id] || []).forEach(function (f) {
            fl.appendChild(el('li', null, [el('span', { class: 'sev sev-' + f.severity }, [f.severity]),
              el('code', null, [f.rule]), ' ', f.message]));
          });
          if (fl.childNodes.length) body.appendChild(fl);
          body.appendChild(el('pre', null, [JSON.stringify(s, null, 2)]));
          box.scrollIntoView();
        }
        function route() {
          var m = /^#session-(\\d+)$/.exec(location.hash);
          if (m) showSession(Number(m[1]));
        }
        window.addEventListener('hashchange', route);
        route();

        // --- timeline: one bar per session on lanes (first free lane), or counts per time bucket when too many
        var colour = { plaintext: 'var(--plaintext)', starttls: 'var(--starttls)', 'implicit-tls': 'var(--implicit-tls)' };
        (function timeline() {
          var host = document.getElementById('timeline-chart');
          var spans = sessions.map(function (s) { return { s: s, a: ms(s.start), b: ms(s.end) }; })
            .filter(function (x) { return !isNaN(x.a) && !isNaN(x.b); })
            .sort(function (x, y) { return x.a - y.a || x.s.id - y.s.id; });
          if (!spans.length) { host.appendChild(el('p', { class: 'muted' }, ['No sessions.'])); return; }
          var t0 = spans[0].a, t1 = spans.reduce(function (m, x) { return Math.max(m, x.b); }, t0);
          var W = 1200, L = 10, R = 10, plot = W - L - R, span = Math.max(1, t1 - t0);
          // Idle gaps longer than 5% of the whole (inputs days apart) are cut to GAP pixels, so the busy
          // stretches keep the width: x() is piecewise linear over the busy time.
          var GAP = 12, cuts = [], end = t0;
          spans.forEach(function (sp) {
            if (sp.a - end > span * 0.05) cuts.push({ a: end, b: sp.a });
            end = Math.max(end, sp.b);
          });
          var busy = Math.max(1, span - cuts.reduce(function (n, c) { return n + c.b - c.a; }, 0));
          var scale = (plot - cuts.length * GAP) / busy;
          function x(t) {
            var px = L, from = t0;
            for (var i = 0; i < cuts.length && cuts[i].a < t; i++) {
              px += (cuts[i].a - from) * scale + GAP; from = cuts[i].b;
              if (t < cuts[i].b) return px - GAP / 2;
            }
            return px + (t - from) * scale;
          }
          var maxLanes = 120, lanes = [], laneOf = [];
          spans.forEach(function (sp) {
            var i = 0;
            while (i < lanes.length && lanes[i] > sp.a) i++;
            lanes[i] = sp.b; laneOf.push(i);
          });
          var g, H;
          if (spans.length <= 4000 && lanes.length <= maxLanes) {
            var lh = Math.max(3, Math.min(14, Math.floor(400 / lanes.length)));
            H = lanes.length * lh + 30;
            g = svg('svg', { width: '100%', viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', role: 'img' });
            spans.forEach(function (sp, i) {
              var r = svg('rect', { x: x(sp.a).toFixed(1), y: 4 + laneOf[i] * lh, height: Math.max(2, lh - 1),
                width: Math.max(1.5, x(sp.b) - x(sp.a)).toFixed(1), fill: colour[sp.s.transport] || '#888' });
              r.appendChild(svg('title', {}, '#' + sp.s.id + ' ' + sp.s.protocol + ' ' + ep(sp.s.client) + ' \\u2192 ' +
                ep(sp.s.server) + ' ' + sp.s.transport + ', ' + sp.s.start));
              r.style.cursor = 'pointer';
              r.addEventListener('click', function () { location.hash = 'session-' + sp.s.id; });
              g.appendChild(r);
            });
          } else {
            // Sessions starting in each of 200 buckets, stacked by transport.
            var n = 200, counts = [], kinds = ['plaintext', 'starttls', 'implicit-tls'], top = 1;
            for (var i = 0; i < n; i++) counts.push({ plaintext: 0, starttls: 0, 'implicit-tls': 0, first: '' });
            spans.forEach(function (sp) {
              var b = Math.max(0, Math.min(n - 1, Math.floor((x(sp.a) - L) / plot * n)));
              counts[b][sp.s.transport] = (counts[b][sp.s.transport] || 0) + 1;
              if (!counts[b].first) counts[b].first = sp.s.start;
            });
            counts.forEach(function (c) { top = Math.max(top, c.plaintext + c.starttls + c['implicit-tls']); });
            H = 230;
            g = svg('svg', { width: '100%', viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', role: 'img' });
            var bw = plot / n;
            counts.forEach(function (c, i) {
              var y = 200;
              kinds.forEach(function (k) {
                var h = c[k] / top * 190;
                if (!h) return;
                y -= h;
                var r = svg('rect', { x: (L + i * bw).toFixed(1), y: y.toFixed(1), width: Math.max(1, bw - 0.5).toFixed(1),
                  height: h.toFixed(1), fill: colour[k] });
                r.appendChild(svg('title', {}, c[k] + ' ' + k + ' sessions, the first at ' + c.first));
                g.appendChild(r);
              });
            });
            g.appendChild(svg('text', { x: W - R, y: 12, 'text-anchor': 'end' }, 'sessions starting per ' +
              (1 / scale * plot / n / 1000).toFixed(1) + ' s (at most ' + top + ')'));
          }
          cuts.forEach(function (c) {
            var cx = x(c.a) + GAP / 2;
            var line = svg('line', { x1: cx, x2: cx, y1: 0, y2: H - 22, stroke: '#8a93a3', 'stroke-dasharray': '3 3' });
            line.appendChild(svg('title', {}, 'idle for ' + ((c.b - c.a) / 1000).toFixed(1) + ' s, not to scale: ' +
              new Date(c.a).toISOString() + ' \\u2013 ' + new Date(c.b).toISOString()));
            g.appendChild(line);
          });
          g.appendChild(svg('text', { x: L, y: H - 8 }, new Date(t0).toISOString()));
          g.appendChild(svg('text', { x: W - R, y: H - 8, 'text-anchor': 'end' }, new Date(t1).toISOString()));
          host.appendChild(g);
          host.appendChild(el('p', { class: 'muted' }, [spans.length + ' sessions over ' + (span / 1000).toFixed(1) + ' s' +
            (cuts.length ? '; ' + cuts.length + ' idle gap' + (cuts.length > 1 ? 's' : '') + ' cut (dashed lines)' : '')]));
        })();

        // --- horizontal bar charts of counts
        function barChart(hostId, counts, empty) {
          var host = document.getElementById(hostId);
          var items = Object.keys(counts).map(function (k) { return [k, counts[k]]; })
            .sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); });
          if (!items.length) { host.appendChild(el('p', { class: 'muted' }, [empty])); return; }
          if (items.length > 15) {
            var rest = items.slice(14).reduce(function (n, it) { return n + it[1]; }, 0);
            items = items.slice(0, 14).concat([['(' + (items.length - 14) + ' others)', rest]]);
          }
          var top = items[0][1], W = 640, lw = 350, rh = 20, H = items.length * rh + 4;
          var g = svg('svg', { width: '100%', viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
          items.forEach(function (it, i) {
            var y = 2 + i * rh, w = Math.max(1, it[1] / top * (W - lw - 50));
            g.appendChild(svg('text', { x: lw - 6, y: y + 14, 'text-anchor': 'end' }, it[0]));
            g.appendChild(svg('rect', { x: lw, y: y + 3, width: w.toFixed(1), height: rh - 6, fill: '#2b5fb4' }));
            g.appendChild(svg('text', { x: lw + w + 4, y: y + 14 }, String(it[1])));
          });
          host.appendChild(g);
        }
        var versions = {}, ciphers = {};
        sessions.forEach(function (s) {
          if (!s.tls) return;
          var v = s.tls.version || 'no ServerHello';
          versions[v] = (versions[v] || 0) + 1;
          if (s.tls.cipher) ciphers[s.tls.cipher] = (ciphers[s.tls.cipher] || 0) + 1;
        });
        barChart('versions-chart', versions, 'No TLS seen.');
        barChart('ciphers-chart', ciphers, 'No cipher suite negotiated.');
        window.cleartextReport = { sessions: sessionTable };
        })();
        </script>

        """
}
