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

  // Destructive forms: <form data-confirm="Question?" data-confirm-action="Delete"> asks first, in a modal
  // <dialog> (focus starts on Cancel; Escape cancels; focus returns to the button pressed), or window.confirm
  // where <dialog> is missing. The listener runs in the capture phase on the document, before htmx's own submit
  // handler on the form, so hx-post forms ask too. Without this file the form submits as it is.
  var confirmed = typeof WeakSet === "function" ? new WeakSet() : null;
  var confirmDialog = null;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function confirmDialogGet() {
    if (confirmDialog) return confirmDialog;
    var dialog = element("dialog", {
      "class": "confirm-dialog", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-message"
    });
    var form = element("form", { method: "dialog" });
    form.appendChild(element("h2", { id: "confirm-title" }, "Are you sure?"));
    form.appendChild(element("p", { id: "confirm-message" }));
    var actions = element("div", { "class": "actions" });
    actions.appendChild(element("button", { type: "submit", value: "cancel", "class": "secondary", "data-confirm-cancel": "" }, "Cancel"));
    actions.appendChild(element("button", { type: "submit", value: "confirm", "class": "danger", "data-confirm-ok": "" }, "Confirm"));
    form.appendChild(actions);
    dialog.appendChild(form);
    document.body.appendChild(dialog);
    confirmDialog = dialog;
    return dialog;
  }

  function confirmAsk(message, action, onConfirm, returnFocus) {
    var dialog = confirmDialogGet();
    if (typeof dialog.showModal !== "function") {
      if (window.confirm(message)) onConfirm();
      return;
    }
    dialog.querySelector("#confirm-message").textContent = message;
    dialog.querySelector("[data-confirm-ok]").textContent = action;
    dialog.returnValue = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (returnFocus) returnFocus.focus();
      if (dialog.returnValue === "confirm") onConfirm();
    });
    dialog.showModal();
    dialog.querySelector("[data-confirm-cancel]").focus();
  }

  function confirmBeforeSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (confirmed && confirmed.has(form)) { confirmed.delete(form); return; }
    event.preventDefault();
    event.stopPropagation();
    var submitter = event.submitter && event.submitter.form === form ? event.submitter : null;
    confirmAsk(form.getAttribute("data-confirm"), form.getAttribute("data-confirm-action") || "Confirm", function () {
      if (!confirmed || !form.requestSubmit) { form.submit(); return; }
      confirmed.add(form);
      if (submitter) form.requestSubmit(submitter); else form.requestSubmit();
    }, submitter || form.querySelector("button, [type=submit]"));
  }

  function init() {
    document.addEventListener("submit", confirmBeforeSubmit, true);
    // On a phone the menu is one row that scrolls sideways: bring the current page's link into view.
    var current = document.querySelector('.site-header nav [aria-current="page"]');
    var menu = current && current.closest("ul");
    if (menu && menu.scrollWidth > menu.clientWidth) {
      menu.scrollLeft = current.offsetLeft - (menu.clientWidth - current.offsetWidth) / 2;
    }
    liveSectionsCheck(false);
    document.body.addEventListener("htmx:afterSettle", function () { liveSectionsCheck(true); });
    document.querySelectorAll("[data-dropzone]").forEach(setUpDropzone);
    document.querySelectorAll("[data-copy]").forEach(setUpCopy);
    document.querySelectorAll("[data-family-engines]").forEach(setUpFamily);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
