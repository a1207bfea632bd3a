"""What every console page must allow, checked in the browser: a name (label) on every
control, every control reachable with Tab (the skip link first), and no sideways scrolling of
the page itself at a phone's width (wide tables scroll inside themselves)."""

from __future__ import annotations

from playwright.async_api import Page

CONTROLS = "a[href], button, input:not([type=hidden]), select, textarea, summary"
VISIBLE = "(el) => !el.disabled && el.getClientRects().length > 0"

UNLABELLED = f"""() => Array.from(document.querySelectorAll(
    "button, input:not([type=hidden]), select, textarea")).filter({VISIBLE}).filter((el) =>
    !((el.labels && el.labels.length > 0) || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby")
      || (el.tagName === "BUTTON" && el.textContent.trim())))
  .map((el) => el.outerHTML.slice(0, 160))"""

# Marks the focused element; answers its start, "" while Tab moves inside it (the day, month
# and year of a date field), or null once focus leaves the page or comes back to an element
# marked before (the sweep is over).
MARK_FOCUS = """() => {
  const el = document.activeElement;
  if (el && el === window.lastTabbed) return "";
  if (!el || el === document.body || el.dataset.tabbed) return null;
  el.dataset.tabbed = "1";
  window.lastTabbed = el;
  return el.outerHTML.slice(0, 160);
}"""

# Controls never focused; of a radio group only one is in the Tab order (arrows move within).
NOT_TABBED = f"""() => {{
  const tabbed = (el) => el.dataset.tabbed === "1";
  const radios = (el) => Array.from(document.getElementsByName(el.name));
  return Array.from(document.querySelectorAll({CONTROLS!r})).filter({VISIBLE})
    .filter((el) => !tabbed(el))
    .filter((el) => !(el.type === "radio" && radios(el).some(tabbed)))
    .map((el) => el.outerHTML.slice(0, 160));
}}"""

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


async def unlabelled(page: Page) -> list[str]:
    found: list[str] = await page.evaluate(UNLABELLED)
    return found


async def tab_through(page: Page, limit: int = 400) -> tuple[list[str], list[str]]:
    """Press Tab from the top of the page until focus leaves it: (the elements focused in
    order, the visible controls never focused)."""
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    order: list[str] = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(MARK_FOCUS)
        if focused is None:
            break
        if focused:
            order.append(focused)
    missed: list[str] = await page.evaluate(NOT_TABBED)
    return order, missed


async def overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen (0 or less: it fits)."""
    width: int = await page.evaluate(OVERFLOW)
    return width
