"""The slow-3G phase of benchmarks/app.py: each app page opened in headless Chromium on an emulated
slow 3G link (Chrome DevTools' preset: 400 ms round trip, 400 kbit/s each way), with the bytes
transferred and the time until the page is usable (DOMContentLoaded: text and form controls there)
and fully loaded, next to the same page on the unthrottled loopback in the same run. The first open
is cold (empty cache); the second warm, as the phone sees a page it opened before (HTTP cache and
the service worker). Goals (issue: patient app): under 150 KB transferred and usable within 2 s."""

from __future__ import annotations

from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1000 / 8, "uploadThroughput": 400 * 1000 / 8}


def _open(page: Any, cdp: Any, url: str) -> tuple[float, float, int]:
    """(ms to DOMContentLoaded, ms to load, bytes over the wire) for one navigation."""
    sizes: dict[str, int] = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    response = page.goto(url, wait_until="load")
    if response is None or response.status != 200:
        raise RuntimeError(f"{url}: {response.status if response else 'no response'}")
    timing = page.evaluate("() => { const t = performance.getEntriesByType('navigation')[0];"
                           " return [t.domContentLoadedEventEnd, t.loadEventEnd]; }")
    page.wait_for_timeout(50)  # let the last loadingFinished events arrive
    return float(timing[0]), float(timing[1]), sum(sizes.values())


def slow_3g_phase(base: str, cookie: str, pages: list[tuple[str, str]]) -> None:
    from playwright.sync_api import sync_playwright

    print("\nslow 3G (400 ms RTT, 400 kbit/s), one phone, Chromium; baseline = the same page on loopback")
    print(f"{'page':<14} {'KB cold':>8} {'usable ms':>10} {'loaded ms':>10} {'usable warm':>12}   baseline usable ms")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for label, path in pages:
                figures = []
                for throttled in (True, False):
                    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=base)
                    context.add_cookies([{"name": "benhan_app", "value": cookie, "url": base}])
                    page = context.new_page()
                    cdp = context.new_cdp_session(page)
                    cdp.send("Network.enable")
                    if throttled:
                        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
                    cold = _open(page, cdp, path)
                    warm = _open(page, cdp, path)
                    figures.append((cold, warm))
                    context.close()
                (cold, warm), (base_cold, _base_warm) = figures
                print(f"{label:<14} {cold[2] / 1024:8.1f} {cold[0]:10.0f} {cold[1]:10.0f} {warm[0]:12.0f}   "
                      f"{base_cold[0]:.0f}")
        finally:
            browser.close()
