/* initiative-archive: a little script on top of pages that work without it.
   Copy buttons, citations loaded in place, and the marked clause scrolled into view. */
"use strict";

function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  return new Promise(function (resolve, reject) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    document.body.removeChild(area);
    if (ok) { resolve(); } else { reject(new Error("copy refused")); }
  });
}

function enableCopyButtons(root) {
  root.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    if (button.dataset.ready) { return; }
    button.dataset.ready = "1";
    button.hidden = false;
    var label = button.firstChild.textContent;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      if (!source) { return; }
      copyText(source.textContent.trim()).then(function () {
        button.firstChild.textContent = "Copied";
        button.classList.add("done");
        setTimeout(function () {
          button.firstChild.textContent = label;
          button.classList.remove("done");
        }, 2000);
      }, function () {
        button.firstChild.textContent = "Select and copy by hand";
      });
    });
  });
}

function enableInlineCitations() {
  document.querySelectorAll("details.cite-inline[data-src]").forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (!details.open || details.dataset.loaded) { return; }
      details.dataset.loaded = "1";
      var body = details.querySelector(".cite-body");
      fetch(details.dataset.src, {headers: {"Accept": "text/html"}}).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      }).then(function (html) {
        var parsed = new DOMParser().parseFromString(html, "text/html");
        body.replaceChildren.apply(body, Array.from(parsed.body.childNodes));
        enableCopyButtons(body);
      }).catch(function () {
        details.dataset.loaded = "";
      });
    });
  });
}

function showTarget() {
  var article = document.querySelector("article.document[data-target]");
  var path = article && article.dataset.target;
  if (!path || location.hash) { return; }
  var clause = document.getElementById(path);
  if (clause) {
    clause.setAttribute("tabindex", "-1");
    clause.scrollIntoView({block: "center"});
    clause.focus({preventScroll: true});
  }
}

document.addEventListener("DOMContentLoaded", function () {
  enableCopyButtons(document);
  enableInlineCitations();
  showTarget();
});
