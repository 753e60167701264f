/* Catalog "Make videos": ticking "Select all N matching" ticks (and locks) every product box on the page, so what
   the page shows matches what will be sent: the filters, not the ticked ids. No inline script (the CSP). */
(function () {
  "use strict";

  function syncPicks(selectAll) {
    document.querySelectorAll("[data-pick]").forEach(function (box) {
      if (selectAll.checked) {
        box.dataset.before = box.checked ? "1" : "";
        box.checked = true;
      } else if ("before" in box.dataset) {
        box.checked = box.dataset.before === "1";
        delete box.dataset.before;
      }
      box.disabled = selectAll.checked;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var selectAll = document.querySelector("[data-select-all]");
    if (!selectAll) {
      return;
    }
    selectAll.addEventListener("change", function () { syncPicks(selectAll); });
    syncPicks(selectAll);
  });
})();
