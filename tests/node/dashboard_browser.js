// dashboard_browser.js — the coordinator's clicks in a real browser
// (Debian's chromium, driven by puppeteer-core; no browser is
// downloaded). Run by tests/integration/dashboard_browser.py, which
// starts the daemons and passes what it knows in a JSON file (argv[2]);
// every check prints "ok: …" or "FAIL: …", and the Python side reads the
// results file this script writes (mail links, downloads, PDFs).
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = { failures: [], pdfs: [], csv: null };
let failures = 0;

function check(cond, msg) {
  console.log((cond ? 'ok: ' : 'FAIL: ') + msg);
  if (!cond) {
    failures++;
    out.failures.push(msg);
  }
  return cond;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await sleep(100);
  }
  check(false, 'timed out waiting for ' + what);
  return null;
}

// Into build/artifacts; the README's pictures (docs) also into
// SCREENSHOTS (make screenshots).
async function shot(page, name, docs) {
  const dirs = [cfg.artifacts];
  if (docs && cfg.screenshots) dirs.push(cfg.screenshots);
  for (const d of dirs) {
    fs.mkdirSync(d, { recursive: true });
    await page.screenshot({ path: path.join(d, name), fullPage: false });
  }
}

// Every control has a name a screen reader can say; the page has a lang,
// one h1 and a main landmark.
async function a11y(page, what) {
  const r = await page.evaluate(() => {
    const bad = [];
    for (const e of document.querySelectorAll(
        'input:not([type=hidden]), select, textarea, button')) {
      const named = e.closest('label') || e.getAttribute('aria-label') ||
          (e.id && document.querySelector('label[for="' + e.id + '"]')) ||
          (e.tagName === 'BUTTON' && e.textContent.trim() !== '');
      if (!named) bad.push(e.outerHTML.slice(0, 80));
    }
    return {
      bad,
      lang: document.documentElement.lang,
      h1: document.querySelectorAll('h1').length,
      main: document.querySelectorAll('main').length,
    };
  });
  check(r.bad.length === 0, what + ': every control is labelled ' +
      JSON.stringify(r.bad.slice(0, 3)));
  check(r.lang === 'ja' && r.h1 === 1 && r.main === 1,
      what + ': lang=ja, one h1, one main');
}

async function login(page, token, expectPath) {
  await page.waitForSelector('input[name=token]');
  await page.type('input[name=token]', token);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  const u = new URL(page.url());
  check(u.pathname === expectPath,
      'the login returns to ' + expectPath + ' (' + u.pathname + ')');
}

// A: the coordinator's morning on the small rule set.
async function morning(browser) {
  const A = cfg.a;
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  const dl = '/occurrences/' + encodeURIComponent(A.soon_uid);
  // A link sent by a colleague, opened without a session.
  await page.goto(A.base + dl);
  check(new URL(page.url()).pathname === '/login',
      'the deadline link asks for a login first');
  await a11y(page, 'login');
  await login(page, A.coord, dl);

  // The first page: the card, then the filter in the URL.
  await page.goto(A.base + A.home);
  await a11y(page, 'first page');
  const card = await page.$('section.deadline[data-uid="' + A.soon_uid + '"]');
  check(card !== null, 'the first page shows the deadline due in 5 days');
  const names = await page.$$eval('section.deadline[data-uid="' +
      A.soon_uid + '"] a.pending', (v) => v.map((e) => e.textContent));
  check(names.join(',') === '甲市,乙町,丙村',
      'its card names who has not submitted: ' + names.join(','));
  // Tab once: the skip link is the first stop for the keyboard.
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => document.activeElement.textContent);
  check(first === '本文へ移動', 'the first Tab lands on the skip link');
  await page.select('select[name=weeks]', '2');
  await Promise.all([page.waitForNavigation(),
    page.click('#filters button')]);
  const q = new URL(page.url()).searchParams;
  check(q.get('weeks') === '2' && q.get('fy') === String(A.fy),
      'the filter is in the URL: ' + page.url());
  const upcoming = await page.$$eval('#upcoming section.deadline',
      (v) => v.map((e) => e.dataset.uid));
  const later = await page.$$eval('#later tr.deadline-row',
      (v) => v.map((e) => e.dataset.uid));
  if (A.survey_same_fy)
    check(upcoming.includes(A.soon_uid) && !upcoming.includes(A.survey_uid) &&
        later.includes(A.survey_uid),
        'two weeks ahead: the survey in 20 days moves to その後');
  await Promise.all([page.waitForNavigation(), page.click('#view-toggle')]);
  const all = await page.$$eval('#all tr.deadline-row',
      (v) => v.map((e) => e.dataset.uid));
  check(all.includes(A.soon_uid) && new URL(page.url()).searchParams.get(
      'view') === 'all', 'one click: every deadline of the year');
  await shot(page, 'fixture-first-page.png');

  // Open the deadline from its card and mark one as submitted.
  await page.goto(A.base + A.home);
  await Promise.all([page.waitForNavigation(),
    page.click('section.deadline[data-uid="' + A.soon_uid + '"] h3 a')]);
  check(new URL(page.url()).pathname === dl, 'the card opens the deadline');
  await a11y(page, 'deadline page');
  const row = 'tr.assignee[data-assignee="city-1"]';
  await page.click(row + ' input[type=checkbox]');
  await page.select('select[name=op]', 'done');
  await page.type('input[name=note]', '電話で受領');
  await Promise.all([page.waitForNavigation(), page.click('#bulk-apply')]);
  const st = await page.$eval(row, (e) => e.dataset.state);
  const notice = await page.$eval('#notice', (e) => e.textContent);
  check(st === 'done' && notice.includes('1 件を変更しました'),
      'marked as submitted: ' + st + ' / ' + notice);
  check((await page.$eval(row, (e) => e.textContent)).includes('電話で受領'),
      'the note shows in the matrix');

  // Nudge the survey's open ones: confirm, send.
  const sv = '/occurrences/' + encodeURIComponent(A.survey_uid);
  await page.goto(A.base + sv);
  await Promise.all([page.waitForNavigation(), page.click('#nudge')]);
  check(new URL(page.url()).pathname.startsWith('/dash/nudge/'),
      'the nudge asks for a confirmation first');
  const rcpts = await page.$$eval('li.rcpt', (v) => v.length);
  check(rcpts === 3, 'it lists the 3 who have not answered');
  await Promise.all([page.waitForNavigation(), page.click('#nudge-send')]);
  const n2 = await page.$eval('#notice', (e) => e.textContent);
  check(n2.includes('催促メールを 2 件送信しました'), 'nudge sent: ' + n2);
  await shot(page, 'fixture-deadline.png');

  // The CSV of the first page, downloaded as a file.
  const dir = path.join(cfg.work, 'downloads');
  fs.mkdirSync(dir, { recursive: true });
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior',
      { behavior: 'allow', downloadPath: dir });
  await page.goto(A.base + A.home);
  await page.click('nav.views a.csv');
  const file = await waitFor(() => {
    const f = fs.readdirSync(dir).filter((x) => x.endsWith('.csv'));
    return f.length > 0 ? path.join(dir, f[0]) : null;
  }, 15000, 'the CSV download');
  if (file) out.csv = file;

  // The survey's completion link from the nudge mail, answered.
  const link = await waitFor(() => {
    for (const f of fs.existsSync(A.maildir) ? fs.readdirSync(A.maildir) : []) {
      const m = fs.readFileSync(path.join(A.maildir, f), 'utf8');
      if (!m.includes('one@city1.example.jp')) continue;
      const body = m.includes('Content-Transfer-Encoding: base64') ?
        Buffer.from(m.split(/\r?\n\r?\n/).slice(1).join('')
            .replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('utf8') : m;
      const hit = body.match(/http:\/\/127\.0\.0\.1:\d+\/c\/[A-Za-z0-9_-]+/);
      if (hit && body.includes('参加意向調査')) return hit[0];
    }
    return null;
  }, 20000, 'the nudge mail with a completion link');
  if (link) {
    const mp = await browser.newPage();	// no cookie needed: the link is the key
    await mp.goto(link);
    await a11y(mp, 'completion link');
    await mp.click('input[type=radio][value="参加"]');
    const txt = await mp.$('input[name=text]');
    if (txt) await txt.type('2年目');
    await Promise.all([mp.waitForNavigation(), mp.click('button[type=submit]')]);
    const done = await mp.evaluate(() => document.body.textContent);
    check(/受け付け|登録|提出済/.test(done),
        'the survey answered through the mail link');
    out.answered_link = link;
    await mp.close();
  }
  await page.close();
}

// Months across, items down: what is drawn against koyomi plan.
async function annualChecks(page, base, cycle, fy, plan, what) {
  await page.goto(base + '/annual?cycle=' + encodeURIComponent(cycle) +
      '&fy=' + fy);
  const months = await page.$$eval('th.month', (v) => v.map((e) =>
    ({ m: Number(e.dataset.month), t: e.textContent,
      x0: e.getBoundingClientRect().left, x1: e.getBoundingClientRect().right })));
  check(months.map((m) => m.t).join('') ===
      '4月5月6月7月8月9月10月11月12月1月2月3月', what + ': months April → March');
  const drawn = await page.$$eval('#annual .occ', (v) => v.map((e) => {
    const r = e.getBoundingClientRect();
    return { uid: e.dataset.uid, start: e.dataset.start, end: e.dataset.end,
      cert: e.dataset.certainty, bar: e.classList.contains('bar'),
      x0: r.left, x1: r.right, w: r.width };
  }));
  const want = plan.filter((o) => o.cycle === cycle);
  const wantUids = want.map((o) => o.uid).sort();
  const gotUids = drawn.map((d) => d.uid).sort();
  check(JSON.stringify(wantUids) === JSON.stringify(gotUids),
      what + ': every occurrence of the plan is drawn once (' +
      gotUids.length + ' of ' + wantUids.length + ')');
  const byUid = new Map(want.map((o) => [o.uid, o]));
  let misplaced = [];
  for (const d of drawn) {
    const o = byUid.get(d.uid);
    if (!o) continue;
    if (o.start !== d.start || o.end !== d.end || o.certainty !== d.cert)
      misplaced.push(d.uid + ' data');
    // The start lies in its month's column (a mark's centre; a bar's
    // left edge, unless it began before April).
    const m = Number(o.start.slice(5, 7));
    const col = months.find((x) => x.m === m);
    const x = d.bar ? d.x0 + 1 : d.x0 + Math.min(d.w, 16) / 2;
    const fyStart = String(fy) + '-04-01';
    if (o.start >= fyStart && col && (x < col.x0 - 2 || x > col.x1 + 2))
      misplaced.push(d.uid + ' at ' + Math.round(x) + ' not in ' + m + '月');
    const span = o.start !== o.end || o.approx;
    if (Boolean(span) !== d.bar) misplaced.push(d.uid + ' bar/mark');
  }
  check(misplaced.length === 0, what + ': each drawn in its month, bar ' +
      'for a period, mark for a date, certainty as planned ' +
      JSON.stringify(misplaced.slice(0, 4)));
  return drawn;
}

async function annual(browser) {
  const A = cfg.a;
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(A.base + '/login');
  await login(page, A.admin, '/');
  const drawn = await annualChecks(page, A.base, 'x', A.fy, A.plan,
      'annual view (fixture)');
  const certs = new Set(drawn.map((d) => d.cert));
  check(drawn.some((d) => d.bar) && drawn.some((d) => !d.bar) &&
      certs.has('confirmed') && certs.has('tentative') && certs.has('assumed'),
      'bars and marks, confirmed, tentative and assumed all drawn');
  await a11y(page, 'annual view');
  const pdf = path.join(cfg.work, 'annual-x.pdf');
  await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
  out.pdfs.push({ cycle: 'x', path: pdf });
  await page.close();
}

// B: the shipped rules, every cycle printed; the README's pictures.
async function shipped(browser) {
  const B = cfg.b;
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(B.base + '/login');
  await login(page, B.admin, '/');
  for (const c of B.cycles) {
    await annualChecks(page, B.base, c, B.fy, B.plan, 'annual ' + c);
    const pdf = path.join(cfg.work, 'annual-' + c + '.pdf');
    await page.pdf({ path: pdf, preferCSSPageSize: true,
      printBackground: true });
    out.pdfs.push({ cycle: c, path: pdf });
  }
  // The pictures in README.md.
  await page.goto(B.base + '/');
  await shot(page, 'first-page.png', true);
  const uid = await page.$eval('#upcoming section.deadline',
      (e) => e.dataset.uid).catch(() => null);
  if (check(uid !== null, 'shipped rules: a deadline in the coming weeks')) {
    await page.goto(B.base + '/occurrences/' + encodeURIComponent(uid));
    await shot(page, 'deadline.png', true);
  }
  await page.goto(B.base + '/annual?cycle=' + encodeURIComponent(B.shot_cycle) +
      '&fy=' + B.fy);
  await page.setViewport({ width: 1400, height: 1000 });
  await shot(page, 'annual.png', true);
  // A phone: nothing wider than the screen but the tables' own scroll.
  await page.setViewport({ width: 375, height: 812, isMobile: true });
  await page.goto(B.base + '/');
  const wide = await page.evaluate(() =>
    document.documentElement.scrollWidth);
  check(wide <= 380, 'phone width: the first page fits 375 px (' + wide + ')');
  await shot(page, 'first-page-phone.png', true);
  await page.close();
}

// C: a reply to a digest, waiting on /inbox with a button per task.
async function inboxDigest(browser) {
  const C = cfg.c;
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  await page.goto(C.base + '/inbox');
  await login(page, C.coord, '/inbox');
  await a11y(page, 'inbox');
  const forms = await page.$$eval('#unmatched form.candidate',
      (v) => v.map((e) => Number(e.dataset.task)));
  check(JSON.stringify(forms.sort()) ===
      JSON.stringify(C.candidates.slice().sort()),
      'the reply to the digest offers both tasks: ' + JSON.stringify(forms));
  const label = await page.$eval('form.candidate[data-task="' + C.pick +
      '"] button', (e) => e.textContent);
  check(/「実績報告」新宿区 期限 \d{4}-\d{2}-\d{2}（[日月火水木金土]）/.test(
      label), 'its button names the task, whose and the day: ' + label);
  await shot(page, 'inbox-digest.png');
  await Promise.all([page.waitForNavigation(),
    page.click('form.candidate[data-task="' + C.pick + '"] button')]);
  check(new URL(page.url()).pathname === '/inbox',
      'one click, back on /inbox (' + page.url() + ')');
  const left = await page.$$('#unmatched form.candidate');
  check(left.length === 0, 'no button is left once it is assigned');
  await page.close();
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: cfg.chromium,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--lang=ja'],
  });
  try {
    await morning(browser);
    await annual(browser);
    await shipped(browser);
    await inboxDigest(browser);
  } catch (e) {
    check(false, 'exception: ' + (e && e.stack ? e.stack : e));
  } finally {
    await browser.close();
  }
  fs.writeFileSync(cfg.results, JSON.stringify(out));
  console.log(failures === 0 ? 'node: all checks passed' :
    'node: ' + failures + ' check(s) failed');
  process.exit(failures === 0 ? 0 : 1);
})();
