"""The staff application's keyboard focus, in real Chromium: every element that takes the
focus shows a ring of at least 2 px whose colour has a contrast of 3:1 or more against the
colour around it (WCAG 2.2 SC 1.4.11 and 2.4.13): on the header's navy, on the light pages,
around buttons and inside the phone's open menu.

axe-core's WCAG 2 A/AA checks of every staff page, in both languages and at both widths,
run in the walk of `test_staff_phone.py`, which opens every page once anyway."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, ViewportSize

from tests.e2e.conftest import EveryStaffPage
from tests.e2e.staff import story_screenshot
from tests.support import CHAPTER, DOCUMENT

PHONE: ViewportSize = {"width": 360, "height": 740}
DESK: ViewportSize = {"width": 1366, "height": 900}
PAGES = (
    "/app",
    "/app/queue",
    "/app/documents",
    f"/app/documents/{DOCUMENT}/editions",
    f"/app/documents/{DOCUMENT}/chapters/{CHAPTER}?lang=az",
    "/app/notifications",
)

# Each focusable element shown on the page is focused in turn (after a Tab, so that the
# browser draws the ring as for a keyboard); what is wrong with its ring, by element:
# none, thinner than 2 px, or a contrast under 3:1 with the first opaque background behind
# it (its parent's, since the ring stands outside the element; its own too when the ring
# is drawn over its edge).
RINGS = """() => {
  const rgb = (colour) => {
    const parts = colour.match(/[\\d.]+/g).map(Number);
    return {rgb: parts.slice(0, 3), alpha: parts.length > 3 ? parts[3] : 1};
  };
  const luminance = ([r, g, b]) => {
    const linear = (c) => {
      c /= 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const contrast = (one, two) => {
    const [a, b] = [luminance(one), luminance(two)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  };
  const behind = (element) => {
    for (let at = element; at; at = at.parentElement) {
      const background = rgb(getComputedStyle(at).backgroundColor);
      if (background.alpha === 1) return background.rgb;
    }
    return [255, 255, 255];
  };
  const focusable = ['a[href]', 'button', 'input:not([type="hidden"])', 'select', 'textarea',
                     'summary', '[tabindex]:not([tabindex="-1"])'].join(", ");
  const wrong = {};
  const seen = [];
  for (const element of document.querySelectorAll(focusable)) {
    if (element.disabled || element.getClientRects().length === 0) continue;
    if (getComputedStyle(element).visibility === "hidden") continue;
    element.focus();
    if (document.activeElement !== element) continue;
    const style = getComputedStyle(element);
    const text = (element.textContent || element.value || "").trim().slice(0, 30);
    const name = `${element.tagName.toLowerCase()}#${element.id}.${element.className} "${text}"`;
    if (!element.matches(":focus-visible")) { wrong[name] = "not :focus-visible"; continue; }
    if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) {
      wrong[name] = `outline ${style.outlineStyle} ${style.outlineWidth}`;
      continue;
    }
    const ring = rgb(style.outlineColor).rgb;
    const around = [behind(element.parentElement)];
    if (parseFloat(style.outlineOffset) <= 0) around.push(behind(element));
    for (const colour of around) {
      const ratio = contrast(ring, colour);
      if (ratio < 3) wrong[name] = `${style.outlineColor} on rgb(${colour}): ${ratio.toFixed(2)}`;
    }
    seen.push(name);
  }
  return {wrong, seen: seen.length};
}"""


def test_the_focus_ring_stands_out_on_every_background(
    browser: Browser, every_staff_page: EveryStaffPage, tmp_path: Path
) -> None:
    state = every_staff_page.signed_in("alice")
    found: dict[str, object] = {}
    for viewport in (DESK, PHONE):
        context = browser.new_context(viewport=viewport, storage_state=state)
        page = context.new_page()
        for path in PAGES:
            page.goto(every_staff_page.site.url(path))
            if viewport is PHONE:
                page.locator("#menu-button").click()
            page.keyboard.press("Tab")
            rings = page.evaluate(RINGS)
            assert rings["seen"] > 5, path
            if rings["wrong"]:
                found[f"{viewport['width']} {path}"] = rings["wrong"]
        page.locator("#menu-button:visible, .app-nav a:visible").first.focus()
        story_screenshot(page, tmp_path, f"focus-{viewport['width']}")
        context.close()

    assert found == {}, "\n".join(f"{page}: {wrong}" for page, wrong in found.items())
