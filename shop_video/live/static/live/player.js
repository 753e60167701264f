// A live room's player: hls.js feeds the stream to the <video> through Media Source Extensions wherever they exist
// (it handles the discontinuities and the live edge the same in every browser); without them (iPhone Safari) the
// browser's own HLS plays it. The video element names its stream in data-stream.
(function () {
  "use strict";
  function start(video) {
    var stream = video.dataset.stream;
    if (window.Hls && window.Hls.isSupported()) {
      // Before the room's segments are ready the playlist answers 503 (Retry-After 5): keep asking for a while.
      var retry = {maxNumRetry: 60, retryDelayMs: 5000, maxRetryDelayMs: 5000};
      var hls = new window.Hls({
        liveDurationInfinity: true,
        manifestLoadPolicy: {default: {maxTimeToFirstByteMs: 10000, maxLoadTimeMs: 20000,
                                       timeoutRetry: retry, errorRetry: retry}},
      });
      hls.loadSource(stream);
      hls.attachMedia(video);
      hls.on(window.Hls.Events.ERROR, function (event, data) {
        if (data.fatal) { video.dataset.playerError = data.details; }
      });
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = stream;
    } else {
      video.dataset.playerError = "this browser cannot play HLS";
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("video[data-stream]").forEach(start);
  });
})();
