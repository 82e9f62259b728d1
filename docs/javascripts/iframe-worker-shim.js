// A Web Worker for pages opened from disk (file://), where browsers refuse to start a real one:
// the worker script runs in a hidden iframe instead, so Material's search works offline.
// Ported to plain JavaScript from iframe-worker 1.0.4 by Martin Donath (squidfunk/iframe-worker,
// src/worker/index.ts and src/worker/runtime/index.ts), MIT licence:
//   Copyright (c) 2020-2022 Martin Donath <martin.donath@squidfunk.com>
//   Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
//   associated documentation files (the "Software"), to deal in the Software without restriction,
//   including without limitation the rights to use, copy, modify, merge, publish, distribute,
//   sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
//   furnished to do so, subject to the following conditions: The above copyright notice and this
//   permission notice shall be included in all copies or substantial portions of the Software.
//   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.
// Served from the site itself: Material's offline plugin would otherwise load it from unpkg.com,
// and the site makes no request outside itself (mkdocs.yml: extra.polyfills).
(function () {
  "use strict";

  // Run inside the iframe: the worker's postMessage and importScripts.
  function postMessage(message, origin) {
    parent.postMessage(message, origin || "*");
  }

  function importScripts() {
    var urls = Array.prototype.slice.call(arguments);
    return urls.reduce(function (promise, url) {
      return promise.then(function () {
        return new Promise(function (resolve) {
          var script = document.createElement("script");
          script.src = url;
          script.onload = resolve;
          document.body.appendChild(script);
        });
      });
    }, Promise.resolve());
  }

  class IFrameWorker extends EventTarget {
    constructor(url) {
      super();
      this.url = url;
      this.onmessage = null;
      this.onerror = null;
      var iframe = document.createElement("iframe");
      iframe.hidden = true;
      iframe.title = "search worker";
      document.body.appendChild(this.iframe = iframe);
      var w = iframe.contentWindow;
      w.document.open();
      w.document.write(
        "<html><body><script>" +
          "postMessage=" + postMessage + ";" +
          "importScripts=" + importScripts + ";" +
          "addEventListener(\"error\",({error})=>{parent.dispatchEvent(new ErrorEvent(\"error\",{filename:" +
          JSON.stringify(String(url)) + ",error}))})" +
        "</script><script src=\"" + String(url).replace(/"/g, "&quot;") + "\"></script></body></html>"
      );
      w.document.close();
      var self = this;
      window.addEventListener("message", function (ev) {
        if (ev.source === self.iframe.contentWindow) {
          self.dispatchEvent(new MessageEvent("message", { data: ev.data }));
          if (self.onmessage) self.onmessage(ev);
        }
      });
      this.ready = new Promise(function (resolve, reject) {
        w.onload = resolve;
        w.onerror = reject;
      });
    }

    terminate() {
      this.iframe.remove();
    }

    postMessage(data) {
      var self = this;
      this.ready.catch(function () {}).then(function () {
        self.iframe.contentWindow.dispatchEvent(new MessageEvent("message", structuredClone({ data: data })));
      });
    }
  }

  window.IFrameWorker = IFrameWorker;
  if (location.protocol === "file:") window.Worker = IFrameWorker;
})();
