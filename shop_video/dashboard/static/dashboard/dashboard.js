// shop_video dashboard: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Photo drop zones: dropping files puts them in the zone's file input (which stays usable by keyboard and
  // by click) and submits its form.
  function setUpDropzone(zone) {
    var input = zone.querySelector('input[type="file"]');
    var status = zone.querySelector("[data-dropzone-status]");
    if (!input) return;
    function say(text) { if (status) status.textContent = text; }
    function describe(files) {
      return files.length === 1 ? "1 file chosen: " + files[0].name : files.length + " files chosen";
    }
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("is-over");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("is-over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) return;
      input.files = files;
      say(describe(files) + ". Uploading…");
      var form = input.form;
      if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
    });
    input.addEventListener("change", function () {
      if (input.files.length) say(describe(input.files) + ". Press Upload photos to add them.");
    });
  }

  // Copy buttons: <button data-copy="#id"> copies the text of that element (a key or secret shown once).
  function setUpCopy(button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.querySelector(button.getAttribute("data-copy"));
      var status = document.querySelector(button.getAttribute("data-copy-status"));
      if (!target) return;
      var text = target.textContent.trim();
      function done(message) { if (status) status.textContent = message; }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done("Copied to the clipboard."); },
          function () { done("Copy failed: select the text and copy it by hand."); });
      } else {
        var range = document.createRange();
        range.selectNodeContents(target);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        done("Selected: press Ctrl+C (or Cmd+C) to copy.");
      }
    });
  }

  // The render form's model family only applies to engines with families (dit): hide it for the others.
  function setUpFamily(form) {
    var engine = form.querySelector('[name="engine"]');
    var family = form.querySelector("[data-family-field]");
    if (!engine || !family) return;
    var engines = (form.getAttribute("data-family-engines") || "").split(" ");
    function update() { family.hidden = engines.indexOf(engine.value) === -1; }
    engine.addEventListener("change", update);
    update();
  }

  // Live sections (an import's or a render's progress) are replaced by htmx every second. Their visible text is
  // not a live region (it would be read out on every refresh); instead a change of their data-announce text is
  // put into the page's one polite status region. Forms marked data-hide-when-finished="#section" go away once
  // that section says it has finished.
  var announced = {};
  function liveSectionsCheck(speak) {
    var announcer = document.getElementById("live-announcer");
    document.querySelectorAll("[data-announce][id]").forEach(function (section) {
      var text = section.getAttribute("data-announce");
      if (speak && announcer && announced[section.id] !== undefined && announced[section.id] !== text) {
        announcer.textContent = text;
      }
      announced[section.id] = text;
    });
    document.querySelectorAll("[data-hide-when-finished]").forEach(function (form) {
      var section = document.querySelector(form.getAttribute("data-hide-when-finished"));
      if (section && section.hasAttribute("data-finished")) form.hidden = true;
    });
  }

  function init() {
    liveSectionsCheck(false);
    document.body.addEventListener("htmx:afterSettle", function () { liveSectionsCheck(true); });
    document.querySelectorAll("[data-dropzone]").forEach(setUpDropzone);
    document.querySelectorAll("[data-copy]").forEach(setUpCopy);
    document.querySelectorAll("[data-family-engines]").forEach(setUpFamily);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
