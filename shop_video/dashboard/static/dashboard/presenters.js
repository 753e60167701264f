// The presenter form's "Listen" button: plays the sample of the voice, speed and language the form shows now
// (without this file, the player plays the voice as the page was loaded).
(function () {
  "use strict";

  function setUp(button) {
    var form = button.closest("form");
    var audio = document.querySelector(button.getAttribute("data-voice-audio"));
    var status = form.querySelector("[data-voice-sample-status]");
    if (!form || !audio) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var query = new URLSearchParams();
      ["voice", "speed", "language"].forEach(function (name) {
        var field = form.elements[name];
        if (field) query.set(name, field.value);
      });
      audio.src = button.getAttribute("data-voice-sample") + "?" + query.toString();
      var playing = audio.play();
      if (playing && playing.catch) {
        playing.catch(function () {
          if (status) status.textContent = "No sample for this choice: check the speed (0.5 to 2) and the language.";
        });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-voice-sample]").forEach(setUp);
  });
})();
