"""Opens a page in headless Chromium and reports script errors and what the plots drew."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

#: Runs before anything else on the page: records uncaught errors and console.error calls,
#: then, once the page has loaded, writes what every plotly plot drew into the DOM.
_PROBE = """<script>
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
window.addEventListener('unhandledrejection', function (e) {
  window.__errors.push('unhandled rejection: ' + String(e.reason));
});
(function () {
  var original = console.error;
  console.error = function () {
    window.__errors.push(Array.prototype.map.call(arguments, String).join(' '));
    return original.apply(console, arguments);
  };
})();
window.addEventListener('load', function () {
  setTimeout(function () {
    var plots = Array.prototype.map.call(
      document.querySelectorAll('.js-plotly-plot'),
      function (p) {
        return {
          id: p.id,
          svgs: p.querySelectorAll('svg.main-svg').length,
          traces: (p.data || []).length,
          gl: p.querySelectorAll('canvas').length,
          text: p.textContent.indexOf('WebGL is not supported') >= 0 ? 'no-webgl' : ''
        };
      });
    var out = document.createElement('pre');
    out.id = 'render-probe';
    out.textContent = JSON.stringify({errors: window.__errors, plots: plots});
    document.body.appendChild(out);
  }, 1000);
});
</script>"""

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # No GPU here: let WebGL (parallel coordinates) run in software, as it must in CI.
    "--enable-unsafe-swiftshader",
    "--enable-logging=stderr",
    "--v=0",
]


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def render(page: Path, *, timeout_s: float = 120.0) -> dict[str, Any]:
    """Loads a copy of ``page`` with the probe injected; returns errors, plots and the
    browser's console lines."""
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("chromium is not installed")
    text = page.read_text(encoding="utf-8")
    probed = page.with_name(page.stem + ".probed.html")
    probed.write_text(text.replace("<head>", "<head>" + _PROBE, 1), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                exe,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--virtual-time-budget=15000",
                "--dump-dom",
                probed.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    match = re.search(r'<pre id="render-probe">(.*?)</pre>', done.stdout, re.S)
    if match is None:
        raise AssertionError(
            f"the probe never ran (exit {done.returncode}); stderr:\n{done.stderr[-3000:]}"
        )
    import html

    result: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    result["console"] = [
        line for line in done.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line
    ]
    return result
