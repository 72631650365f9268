/*
 * The dashboard page's script. scripts/inline-assets.ts copies this file into assets.generated.ts at build time;
 * page.ts inlines it into `/ui/` and allows it by its hash in the page's Content-Security-Policy. It polls
 * `/v1/dashboard` every second and redraws. Every value from the document goes into the DOM through `textContent` or
 * a property (`title`), never through HTML parsing; class names come from fixed tables, never from the data.
 *
 * A classic script in plain ES2020 for any current browser; no framework, no module, nothing to transpile.
 */
'use strict';
(function () {
  var POLL_MS = 1000;
  var STATES = { assigned: 'assigned', warm: 'warm', cooldown: 'cooldown' };
  var $ = function (id) {
    return document.getElementById(id);
  };
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function ago(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.round(s / 60) + ' min';
    return Math.round(s / 3600) + ' h';
  }
  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour12: false });
  }
  function plural(n, one, many) {
    return n + ' ' + (n === 1 ? one : many);
  }

  function fact(label, value) {
    var d = el('div');
    return add(d, el('dt', null, label), el('dd', value === null ? 'muted' : null, value === null ? '—' : value));
  }
  function tile(kind, label, value, of, note) {
    var t = el('div', 'tile' + (kind ? ' ' + kind : ''));
    var v = el('div', 'value', value);
    if (of !== null && of !== undefined) add(v, el('small', null, ' / ' + of));
    return add(t, el('div', 'label', label), v, note ? el('div', 'note', note) : null);
  }

  function slot(s, now, cooldownMs) {
    var li = el('li', 'slot ' + (STATES[s.state] || 'warm'));
    var what, title;
    if (s.state === 'assigned') {
      var name = s.pod || '(unnamed pod)';
      what = name;
      title =
        (s.namespace ? s.namespace + '/' : '') +
        name +
        ' · ' +
        s.address +
        (s.since ? ' · for ' + ago(now - s.since) : '');
      add(li, el('span', 'sr-only', 'assigned to ' + (s.namespace ? s.namespace + '/' : '')));
    } else if (s.state === 'cooldown') {
      var left = s.since ? Math.max(0, cooldownMs - (now - s.since)) : 0;
      what = 'cooling ' + ago(left);
      title = s.address + ' · released ' + (s.since ? ago(now - s.since) + ' ago' : '') + '; reusable in ' + ago(left);
    } else {
      what = 'warm';
      title = s.address + ' · warm: free for the next pod';
    }
    li.title = title;
    li.dataset.address = s.address;
    return add(li, el('span', 'what', what), el('span', 'ip', s.address));
  }
  function capacitySlot() {
    var li = el('li', 'slot empty-slot');
    li.title = 'room on this ENI for one more secondary IP, not yet requested from EC2';
    return add(li, el('span', 'what', 'not allocated'));
  }
  function slotList(block, now, cooldownMs) {
    var ul = el('ul', 'slots');
    ul.setAttribute('aria-label', block.cidr);
    block.slots.forEach(function (s) {
      ul.appendChild(slot(s, now, cooldownMs));
    });
    return ul;
  }

  function eniRow(eni, doc, subnets, now) {
    var row = el('article', 'eni');
    row.setAttribute('aria-label', 'ENI ' + eni.id + ', device ' + eni.deviceNumber);
    var meta = el('div', 'eni-meta');
    var name = add(
      el('div', 'eni-name'),
      el('span', 'dev', 'eth' + eni.deviceNumber),
      el('span', 'muted', 'device ' + eni.deviceNumber),
    );
    if (eni.isPrimary) add(name, el('span', 'badge primary', 'primary'));
    if (eni.isTrunk) add(name, el('span', 'badge', 'trunk'));
    if (eni.isEfa) add(name, el('span', 'badge', 'EFA'));
    if (eni.excluded) add(name, el('span', 'badge', 'excluded'));
    var subnet = subnets[eni.subnetId];
    var c = eni.counts;
    add(
      meta,
      name,
      el('p', 'mono', eni.id),
      el('p', 'mono', eni.subnetId),
      subnet ? el('p', null, subnet.cidr + ' · ' + subnet.free + ' free') : null,
      el('p', 'counts', c.assigned + ' assigned · ' + c.warm + ' warm · ' + c.cooldown + ' cooling'),
    );
    var body;
    if (eni.blocks.length === 0) {
      body = el('p', 'empty', 'no secondary addresses yet');
    } else if (doc.prefixDelegation) {
      body = el('div', 'prefixes');
      eni.blocks.forEach(function (block) {
        var used = block.slots.filter(function (s) {
          return s.state === 'assigned';
        }).length;
        var box = el('div', 'prefix' + (block.inMode ? '' : ' unused'));
        add(
          box,
          add(
            el('div', 'prefix-head'),
            el('span', 'mono', block.cidr),
            el('span', null, block.inMode ? used + '/' + block.slots.length + ' used' : 'not used in prefix mode'),
          ),
          slotList(block, now, doc.cooldownMs),
        );
        body.appendChild(box);
      });
    } else {
      // One row per ENI, one column per secondary IP the ENI can hold: the rows line up like a rack.
      var capacity = doc.limits.maxIpsPerEni || 0;
      var inMode = eni.blocks.filter(function (b) {
        return b.inMode;
      }).length;
      body = el('ul', 'slots rack');
      body.setAttribute('aria-label', 'address slots of ' + eni.id);
      if (capacity > 0) body.style.gridTemplateColumns = 'repeat(' + Math.max(capacity, 1) + ', minmax(0, 1fr))';
      eni.blocks.forEach(function (block) {
        block.slots.forEach(function (s) {
          var li = slot(s, now, doc.cooldownMs);
          if (!block.inMode) li.classList.add('unused');
          body.appendChild(li);
        });
      });
      if (!eni.excluded) for (var i = inMode; i < capacity; i++) body.appendChild(capacitySlot());
    }
    return add(row, meta, body);
  }

  function subnetTable(doc, now) {
    if (doc.subnets === null)
      return el('p', 'empty', 'Not known yet: ipamd asks EC2 about its subnets when it chooses one for a new ENI.');
    if (doc.subnets.length === 0) return el('p', 'empty', 'EC2 knows no subnet in this node\u2019s zone.');
    var list = el('ul', 'subnet-list');
    list.setAttribute('aria-label', 'Subnets of the node\u2019s zone');
    doc.subnets.forEach(function (s) {
      var bar = el('div', 'bar');
      bar.setAttribute('aria-hidden', 'true');
      var inner = el('span');
      var share = s.usable ? Math.min(1, Math.max(0, (s.usable - s.free) / s.usable)) : 0;
      inner.style.width = (share * 100).toFixed(1) + '%';
      add(bar, inner);
      var head = add(el('div', 'row'), el('span', 'mono', s.id + (s.inUse ? ' ●' : '')), el('span', 'mono', s.cidr));
      var usage =
        s.free + ' free' + (s.usable ? ' of ' + s.usable + ' usable (' + Math.round(share * 100) + '% used)' : '');
      add(
        list,
        add(
          el('li'),
          head,
          bar,
          add(el('div', 'row muted'), el('span', null, usage), el('span', null, s.availabilityZone)),
        ),
      );
    });
    var note = el(
      'p',
      'plan',
      'As EC2 described them ' + ago(now - doc.subnetsAt) + ' ago. ● marks the subnets of this node\u2019s ENIs.',
    );
    return add(el('div'), list, note);
  }

  function actionTable(doc, now) {
    var wrap = el('div');
    if (doc.recentActions.length === 0) add(wrap, el('p', 'empty', 'No EC2 actions yet.'));
    else {
      var table = el('table');
      add(table, el('caption', 'sr-only', 'Recent EC2 actions, newest first'));
      var head = add(
        el('tr'),
        el('th', null, 'When'),
        el('th', null, 'Action'),
        el('th', null, 'ENI'),
        el('th', null, 'What'),
        el('th', null, 'Result'),
      );
      head.querySelectorAll('th').forEach(function (th) {
        th.scope = 'col';
      });
      add(table, add(el('thead'), head));
      var body = el('tbody');
      doc.recentActions.forEach(function (a) {
        var when = el('td', 'num nowrap', ago(now - a.at) + ' ago');
        when.title = new Date(a.at).toISOString();
        var result =
          a.outcome === 'ok'
            ? el('td', 'ok nowrap', '✓ ok' + (a.durationMs !== null ? ' · ' + a.durationMs + ' ms' : ''))
            : el('td', 'bad nowrap', '✗ ' + (a.errorCode || 'error'));
        add(
          body,
          add(
            el('tr'),
            when,
            el('td', 'mono action', a.action),
            el('td', 'mono nowrap', a.eniId || '—'),
            el('td', null, a.detail),
            result,
          ),
        );
      });
      add(wrap, add(table, body));
    }
    if (doc.recentErrors.length > 0) {
      var list = el('ul', 'errors');
      list.setAttribute('aria-label', 'Recent errors');
      doc.recentErrors.forEach(function (e) {
        var li = add(el('li'), el('strong', 'bad', e.code + ': '), document.createTextNode(e.message));
        if (e.hint) add(li, el('div', 'muted', 'What to do: ' + e.hint));
        add(li, el('div', 'muted', ago(now - e.at) + ' ago'));
        list.appendChild(li);
      });
      add(wrap, list);
    }
    return wrap;
  }

  function render(doc) {
    var now = doc.generatedAt || Date.now();
    var n = doc.node;
    $('node-name').textContent = n.name || n.instanceId || 'this node';
    $('facts').replaceChildren(
      fact('Instance', n.instanceId),
      fact('Type', n.instanceType),
      fact('Zone', n.availabilityZone),
      fact('Private IP', n.privateIp),
    );
    $('mode').textContent = doc.prefixDelegation
      ? '· prefix delegation: /28 prefixes of 16 addresses'
      : '· secondary IP mode: one /32 per slot';
    var subnets = {};
    (doc.subnets || []).forEach(function (s) {
      subnets[s.id] = s;
    });
    var t = doc.totals,
      l = doc.limits;
    var inUse = (doc.subnets || []).filter(function (s) {
      return s.inUse;
    });
    var subnetFree = inUse.length
      ? inUse.reduce(function (sum, s) {
          return sum + s.free;
        }, 0)
      : null;
    $('tiles').replaceChildren(
      tile(
        'assigned',
        'Pods with an IP',
        t.assigned,
        l.maxPods,
        l.maxPods === null ? 'max pods not known yet' : 'max pods ' + l.maxPods,
      ),
      tile('warm', 'Warm addresses', t.warm, null, 'free for the next pods'),
      tile('cooldown', 'Cooling down', t.cooldown, null, 'released, reusable after ' + ago(doc.cooldownMs)),
      tile(
        '',
        'ENIs',
        t.enis,
        l.maxEnis,
        l.maxIpsPerEni === null
          ? null
          : plural(
              l.maxIpsPerEni,
              doc.prefixDelegation ? 'prefix' : 'secondary IP',
              doc.prefixDelegation ? 'prefixes' : 'secondary IPs',
            ) + ' per ENI',
      ),
      tile(
        '',
        'Subnet free',
        subnetFree === null ? '—' : subnetFree,
        null,
        subnetFree === null
          ? 'not known yet'
          : 'in ' + plural(inUse.length, 'subnet', 'subnets') + ' of this node\u2019s ENIs',
      ),
    );
    $('legend-prefix').hidden = !doc.prefixDelegation;
    $('legend-capacity').hidden = doc.prefixDelegation;
    var plan = $('plan');
    plan.replaceChildren();
    if (doc.plan.length) add(plan, el('b', null, 'Pool: '), document.createTextNode(doc.plan.join(' | ')));
    var enis = $('enis');
    if (!doc.ready)
      enis.replaceChildren(el('p', 'empty', 'ipamd is initialising the node; the ENIs appear when it is ready.'));
    else
      enis.replaceChildren.apply(
        enis,
        doc.enis.map(function (eni) {
          return eniRow(eni, doc, subnets, now);
        }),
      );
    $('subnets').replaceChildren(subnetTable(doc, now));
    $('actions').replaceChildren(actionTable(doc, now));
    $('updated').textContent = 'updated ' + clock(now);
  }

  var connected = null;
  function setLive(ok, why) {
    var live = $('live');
    live.className = 'live ' + (ok ? 'ok' : 'down');
    if (connected !== ok) $('live-text').textContent = ok ? 'Live' : 'Disconnected (' + why + '), retrying';
    connected = ok;
  }
  function poll() {
    fetch('/v1/dashboard', { cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json();
      })
      .then(function (doc) {
        render(doc);
        setLive(true);
      })
      .catch(function (err) {
        setLive(false, err && err.message ? err.message : 'no answer');
      })
      .then(function () {
        setTimeout(poll, POLL_MS);
      });
  }
  poll();
})();
