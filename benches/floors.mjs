// Capture floors on this machine (issue 19): what Chrome costs at 1080p
// before any of hf's work, with the flags hf launches it with.
//
//   node benches/floors.mjs [FRAMES=120] [WIDTH=1920] [HEIGHT=1080]
//
// Needs puppeteer-core, taken from the reference's install
// (../shared/peer/run-peer.sh install; PEER_ROOT, default ~/.cache/hf-peer)
// and Debian's chromium-headless-shell. Prints
// milliseconds per frame for:
//   static-jpeg     BeginFrame + JPEG screenshot of an unchanging page
//   static-plain    BeginFrame without a screenshot, unchanging page
//   reset-jpeg      the same page hidden for one frame then captured (hf's
//                   per-frame layer reset, on a page that changed)
//   video-<how>     a 1080p element whose background image changes every
//                   frame: load the next image (png or bmp, through
//                   DevTools request interception or a loopback HTTP
//                   server), then BeginFrame + JPEG screenshot
import http from "node:http";
import { createRequire } from "node:module";
import os from "node:os";
import { deflateSync } from "node:zlib";

const peer = (process.env.PEER_ROOT || `${os.homedir()}/.cache/hf-peer`) + "/";
const puppeteer = createRequire(peer)("puppeteer-core");

const N = Number(process.argv[2] || 120);
const W = Number(process.argv[3] || 1920);
const H = Number(process.argv[4] || 1080);
const CHROME = process.env.PEER_BROWSER || "/usr/lib/chromium/chromium-headless-shell";
const ARGS = [
  "--no-sandbox", "--no-zygote", "--disable-gpu", "--enable-unsafe-swiftshader",
  "--deterministic-mode", "--enable-begin-frame-control", "--disable-new-content-rendering-timeout",
  "--run-all-compositor-stages-before-draw", "--disable-threaded-animation",
  "--disable-threaded-scrolling", "--disable-checker-imaging", "--disable-low-res-tiling",
  "--hide-scrollbars", "--font-render-hinting=none", "--force-color-profile=srgb",
  "--force-device-scale-factor=1", "--disable-features=LocalNetworkAccessChecks", `--window-size=${W},${H}`,
];

// K distinct frames of a moving gradient with noise, like camera video.
const K = 8;
function rgbFrame(k) {
  const px = Buffer.alloc(W * H * 3);
  let s = 12345 + k;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const n = (s >>> 24) & 15, i = (y * W + x) * 3;
    px[i] = (x + k * 7) & 255 ^ n; px[i + 1] = (y + k * 5) & 255 ^ n; px[i + 2] = ((x + y) >> 2) & 255;
  }
  return px;
}
function bmp(rgb) {
  const row = W * 3, pad = (4 - (row % 4)) % 4, size = 54 + (row + pad) * H;
  const b = Buffer.alloc(size);
  b.write("BM", 0); b.writeUInt32LE(size, 2); b.writeUInt32LE(54, 10); b.writeUInt32LE(40, 14);
  b.writeInt32LE(W, 18); b.writeInt32LE(-H, 22); b.writeUInt16LE(1, 26); b.writeUInt16LE(24, 28);
  b.writeUInt32LE((row + pad) * H, 34);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const s = (y * W + x) * 3, d = 54 + y * (row + pad) + x * 3;
    b[d] = rgb[s + 2]; b[d + 1] = rgb[s + 1]; b[d + 2] = rgb[s];
  }
  return b;
}
function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function png(rgb) {
  const raw = Buffer.alloc((W * 3 + 1) * H);
  for (let y = 0; y < H; y++) rgb.copy(raw, y * (W * 3 + 1) + 1, y * W * 3, (y + 1) * W * 3);
  const chunk = (t, d) => {
    const l = Buffer.alloc(4); l.writeUInt32BE(d.length);
    const td = Buffer.concat([Buffer.from(t), d]); const c = Buffer.alloc(4); c.writeUInt32BE(crc32(td));
    return Buffer.concat([l, td, c]);
  };
  const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(W, 0); ihdr.writeUInt32BE(H, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 1 })), chunk("IEND", Buffer.alloc(0))]);
}

const frames = Array.from({ length: K }, (_, k) => rgbFrame(k));
const bodies = { png: frames.map(png), bmp: frames.map(bmp) };
const server = http.createServer((req, res) => {
  const m = req.url.match(/\/(png|bmp)\/(\d+)/);
  if (!m) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { "Content-Type": m[1] === "png" ? "image/png" : "image/bmp", "Cache-Control": "no-store" });
  res.end(bodies[m[1]][Number(m[2]) % K]);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const PORT = server.address().port;

const PAGE = `<!doctype html><html><body style="margin:0;width:${W}px;height:${H}px;overflow:hidden;
background:linear-gradient(135deg,#123,#a53)"><div id=v style="position:absolute;inset:0;background-size:cover"></div>
<h1 style="position:absolute;left:80px;top:700px;font:700 96px sans-serif;color:white;text-shadow:0 4px 12px #000">
Caption text over the a-roll</h1><p style="position:absolute;left:80px;top:860px;font:400 40px sans-serif;color:#fff">
A lower third, some words in a row</p></body></html>`;

const browser = await puppeteer.launch({ executablePath: CHROME, headless: "shell", args: ARGS });
try {
  const bsession = await browser.target().createCDPSession();
  const { targetId } = await bsession.send("Target.createTarget", { url: "about:blank", enableBeginFrameControl: true });
  const target = await browser.waitForTarget((t) => t._targetId === targetId);
  const page = await target.page();
  const cdp = await page.createCDPSession();
  await cdp.send("Emulation.setDeviceMetricsOverride", { width: W, height: H, deviceScaleFactor: 1, mobile: false });
  await cdp.send("Fetch.enable", { patterns: [{ urlPattern: "http://hf.localhost/*" }] });
  cdp.on("Fetch.requestPaused", async (ev) => {
    const u = new URL(ev.request.url);
    const m = u.pathname.match(/\/(png|bmp)\/(\d+)/);
    if (u.pathname === "/index.html") {
      await cdp.send("Fetch.fulfillRequest", { requestId: ev.requestId, responseCode: 200,
        responseHeaders: [{ name: "Content-Type", value: "text/html" }], body: Buffer.from(PAGE).toString("base64") });
    } else if (m) {
      await cdp.send("Fetch.fulfillRequest", { requestId: ev.requestId, responseCode: 200,
        responseHeaders: [{ name: "Content-Type", value: m[1] === "png" ? "image/png" : "image/bmp" }, { name: "Cache-Control", value: "no-store" }],
        body: bodies[m[1]][Number(m[2]) % K].toString("base64") });
    } else {
      await cdp.send("Fetch.fulfillRequest", { requestId: ev.requestId, responseCode: 404, body: "" });
    }
  });
  let tick = 1000;
  const bf = (shot) => cdp.send("HeadlessExperimental.beginFrame", { frameTimeTicks: (tick += 33.3), interval: 33.3,
    ...(shot ? { screenshot: { format: "jpeg", quality: 95, optimizeForSpeed: true } } : { noDisplayUpdates: true }) });
  cdp.send("Page.navigate", { url: "http://hf.localhost/index.html" }).catch(() => {});
  for (let i = 0; i < 50; i++) { await bf(false); await new Promise((r) => setTimeout(r, 20)); }
  const evalJs = (expression) => cdp.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
  await evalJs(`window.__sheet = new CSSStyleSheet(); __sheet.replaceSync("*{visibility:hidden!important}");
    window.__load = (u) => new Promise((ok, ko) => { const i = new Image(); i.onload = () => ok(i); i.onerror = ko; i.src = u; });
    window.__keep = null; 1`);
  const time = async (name, fn) => {
    for (let i = 0; i < 5; i++) await fn(i);
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await fn(i + 5);
    console.log(`${name.padEnd(22)} ${((performance.now() - t0) / N).toFixed(1).padStart(7)} ms/frame`);
  };
  await time("static-plain", () => bf(false));
  await time("static-jpeg", () => bf(true));
  await time("reset-jpeg", async () => {
    await evalJs(`document.adoptedStyleSheets = [__sheet]; 1`);
    await bf(false);
    await evalJs(`document.adoptedStyleSheets = []; 1`);
    await bf(true);
  });
  for (const [how, base] of [["png-intercept", "http://hf.localhost/png/"], ["bmp-intercept", "http://hf.localhost/bmp/"],
    ["png-loopback", `http://127.0.0.1:${PORT}/png/`], ["bmp-loopback", `http://127.0.0.1:${PORT}/bmp/`]]) {
    let load = 0, cap = 0;
    await time(`video-${how}`, async (i) => {
      const a = performance.now();
      await evalJs(`__load("${base}${i}?r=${Math.random()}").then(i => { __keep = i; v.style.backgroundImage = 'url("' + i.src + '")'; 1 })`);
      const b = performance.now();
      await bf(true);
      load += b - a; cap += performance.now() - b;
    });
    console.log(`  (load ${(load / (N + 5)).toFixed(1)} ms, capture ${(cap / (N + 5)).toFixed(1)} ms)`);
  }
} finally {
  await browser.close();
  server.close();
}
