/* Elderly-friendly checks axe-core does not make, run in the page by the browser tests.
   Returns readable problems: visible text under minText px, and interactive
   elements under minTarget x minTarget px (links inside a sentence are exempt,
   as in WCAG 2.5.8). */
({minText, minTarget}) => {
  const problems = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.right > 0 &&
      r.left < innerWidth && !el.closest('[hidden], [aria-hidden=true]');
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '') +
    ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '')
      .trim().slice(0, 30) + '"';
  const bodySize = parseFloat(getComputedStyle(document.body).fontSize);
  if (bodySize < minText) problems.push('body font-size ' + bodySize + 'px');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || seen.has(el) || !visible(el)) continue;
    if (el.closest('.visually-hidden, script, style, title')) continue;
    seen.add(el);
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < minText - 0.01) problems.push('text ' + size + 'px: ' + name(el));
  }
  const targets = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, ' +
    '[role=button], [tabindex]:not([tabindex="-1"])');
  for (const el of targets) {
    if (!visible(el)) continue;
    const inline = getComputedStyle(el).display === 'inline';
    if (el.tagName === 'A' && inline && el.closest('p, dd')) continue;
    const r = el.getBoundingClientRect();
    if (r.width < minTarget - 0.5 || r.height < minTarget - 0.5) {
      problems.push('target ' + Math.round(r.width) + 'x' + Math.round(r.height) + ': ' + name(el));
    }
  }
  return problems;
}
