// Live character counters for ad texts, no build step. The server renders each input with data-limit and
// data-platform and its first count (ml/generation/limits.py); this keeps the count as the marketer types.
// Microsoft Advertising counts an East Asian wide or fullwidth character as two; the server checks again on save.
(function () {
  // Microsoft's double-width ranges, rendered by the server from limits.char_width (json_script "wide-ranges").
  const data = document.getElementById("wide-ranges");
  const WIDE = data ? JSON.parse(data.textContent) : [];

  function isWide(code) {
    let low = 0;
    let high = WIDE.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (code < WIDE[middle][0]) high = middle - 1;
      else if (code > WIDE[middle][1]) low = middle + 1;
      else return true;
    }
    return false;
  }

  function width(text, platform) {
    let total = 0;
    for (const char of text) total += platform === "microsoft" && isWide(char.codePointAt(0)) ? 2 : 1;
    return total;
  }

  function update(input) {
    const limit = Number(input.dataset.limit);
    const used = width(input.value, input.dataset.platform);
    const counter = input.parentElement.querySelector(".counter");
    counter.textContent = used + "/" + limit;
    counter.classList.toggle("over", used > limit);
    if (used > limit) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  // One listener for the page, so inputs that htmx swaps in later count too.
  document.body.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-limit]")) update(event.target);
  });
  window.adTextWidth = width;
})();
