// The template editor: scenes reordered by drag and drop or by their Move buttons (keyboard), merge fields
// inserted at the cursor, and the preview frame redrawn by the server from the unsaved form (debounced).
// Without this script the same buttons post the form and the server answers with it rearranged.
(function () {
  "use strict";

  var PREVIEW_DELAY_MS = 350;

  function init() {
    var form = document.getElementById("template-form");
    if (!form) return;
    var list = document.getElementById("scene-list");
    var frame = document.getElementById("preview-frame");
    var status = document.getElementById("preview-status");
    var readonly = form.hasAttribute("data-readonly");

    // --- order: the hidden "scene" inputs follow the DOM, so the posted order is what the page shows ---
    function scenes() {
      return Array.prototype.slice.call(list.querySelectorAll("[data-scene]"));
    }
    function renumber() {
      var items = scenes();
      items.forEach(function (item, position) {
        item.querySelector("[data-scene-number]").textContent = "Scene " + (position + 1);
        item.querySelectorAll("[data-scene-label]").forEach(function (label) {
          label.textContent = ": scene " + (position + 1);
        });
        item.querySelector("input[name=preview_scene]").value = String(position);
        item.querySelector("[data-move=up]").disabled = position === 0;
        item.querySelector("[data-move=down]").disabled = position === items.length - 1;
      });
    }
    function moved(item, focusButton) {
      renumber();
      // Keep the keyboard on the scene: its button, or the other move button when that one is now disabled.
      var target = focusButton && !focusButton.disabled ? focusButton : item.querySelector("[data-move]:not([disabled])");
      if (focusButton && target) target.focus();
      announce("Scene moved to position " + (scenes().indexOf(item) + 1) + ". Save to keep the new order.");
      schedulePreview();
    }
    if (list && !readonly) {
      list.addEventListener("click", function (event) {
        var button = event.target.closest("[data-move]");
        if (!button) return;
        event.preventDefault();
        var item = button.closest("[data-scene]");
        if (button.dataset.move === "up" && item.previousElementSibling) {
          list.insertBefore(item, item.previousElementSibling);
        } else if (button.dataset.move === "down" && item.nextElementSibling) {
          list.insertBefore(item.nextElementSibling, item);
        }
        moved(item, button);
      });
      var dragged = null;
      // A scene is dragged by its handle (dragging from a text field would select its text instead).
      list.querySelectorAll(".drag-handle").forEach(function (handle) {
        handle.setAttribute("draggable", "true");
      });
      list.addEventListener("dragstart", function (event) {
        dragged = event.target.closest && event.target.closest("[data-scene]");
        if (!dragged) return;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", "scene");
        var item = dragged;
        // Restyled after the drag has begun: Chromium cancels a drag whose source changes during dragstart.
        setTimeout(function () { item.classList.add("dragging"); }, 0);
      });
      list.addEventListener("dragover", function (event) {
        if (!dragged) return;
        event.preventDefault();
        var over = event.target.closest("[data-scene]");
        if (!over || over === dragged) return;
        var box = over.getBoundingClientRect();
        var after = event.clientY > box.top + box.height / 2;
        list.insertBefore(dragged, after ? over.nextElementSibling : over);
      });
      list.addEventListener("dragend", function () {
        if (!dragged) return;
        dragged.classList.remove("dragging");
        var item = dragged;
        dragged = null;
        moved(item, null);
      });
    }

    // --- merge fields: buttons insert at the cursor of their text field ---
    form.querySelectorAll(".merge-fields").forEach(function (box) {
      if (!readonly) box.hidden = false;
    });
    form.addEventListener("click", function (event) {
      var chip = event.target.closest("[data-insert]");
      if (!chip) return;
      var field = document.getElementById(chip.dataset.into);
      if (!field) return;
      var start = field.selectionStart == null ? field.value.length : field.selectionStart;
      var end = field.selectionEnd == null ? start : field.selectionEnd;
      var text = chip.dataset.insert;
      field.value = field.value.slice(0, start) + text + field.value.slice(end);
      field.focus();
      field.setSelectionRange(start + text.length, start + text.length);
      schedulePreview();
    });

    // --- the preview: the server draws the selected scene from the form as it is now ---
    var timer = null;
    var sequence = 0;
    function announce(message) {
      if (status) status.textContent = message;
    }
    function schedulePreview() {
      if (!frame) return;
      clearTimeout(timer);
      timer = setTimeout(refreshPreview, PREVIEW_DELAY_MS);
    }
    function refreshPreview() {
      var mine = ++sequence;
      var data = new FormData(form);
      var request;
      if (readonly) {  // viewers see the saved template: a plain GET
        var query = new URLSearchParams();
        ["preview_scene", "product", "ratio"].forEach(function (name) {
          if (data.get(name) !== null) query.set(name, data.get(name));
        });
        request = fetch(form.dataset.previewUrl + "?" + query.toString(), { credentials: "same-origin" });
      } else {
        data.set("action", "preview");
        request = fetch(form.dataset.previewUrl, { method: "POST", body: data, credentials: "same-origin" });
      }
      frame.setAttribute("aria-busy", "true");
      request.then(function (response) {
        if (!response.ok) {
          return response.text().then(function (message) { throw new Error(message.slice(0, 600)); });
        }
        return response.blob();
      }).then(function (blob) {
        // The page's CSP allows images from the site and data: URLs only (no blob:).
        var reader = new FileReader();
        reader.onload = function () {
          if (mine !== sequence) return;
          frame.src = reader.result;
          frame.classList.remove("stale");
          announce(readonly ? "The selected scene as saved." : "The selected scene with your changes (not saved yet).");
        };
        reader.readAsDataURL(blob);
      }).catch(function (error) {
        if (mine !== sequence) return;
        frame.classList.add("stale");
        announce("Preview not updated: " + error.message);
      }).then(function () {
        if (mine === sequence) frame.removeAttribute("aria-busy");
      });
    }
    form.addEventListener("input", schedulePreview);
    form.addEventListener("change", schedulePreview);
    // The form came back unsaved (a scene added, moved or removed, or errors to fix): show it as it is now.
    if (!readonly && document.querySelector(".notice, #editor-errors")) schedulePreview();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
