// Autosave of the service form's typed fields to the draft endpoint, and reading the MRZ in place.
// Without JavaScript the "Save draft" and "Fill from the MRZ" buttons do the same through the server.
(function () {
  "use strict";
  var form = document.getElementById("service-form");
  if (!form || !window.fetch || !window.FormData) return;
  var status = document.getElementById("autosave-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var INTERVAL_MS = 5000;
  var dirty = false;
  var saving = false;

  function typedFields() {
    var data = new FormData();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "file" || el.type === "submit" || el.name === "csrfmiddlewaretoken") return;
      data.append(el.name, el.value);
    });
    return data;
  }

  function post(url, data) {
    return fetch(url, {method: "POST", body: data, credentials: "same-origin", headers: {"X-CSRFToken": csrf}});
  }

  function save() {
    if (!dirty || saving) return;
    saving = true;
    dirty = false;
    post(form.dataset.draftUrl, typedFields()).then(function (response) {
      return response.ok ? response.json() : Promise.reject(response.status);
    }).then(function (body) {
      status.textContent = body.message;
    }).catch(function () {
      dirty = true;
    }).finally(function () { saving = false; });
  }

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  window.setInterval(save, INTERVAL_MS);
  window.addEventListener("pagehide", save);

  var mrzButton = document.getElementById("fill-from-mrz");
  var mrzInput = form.querySelector(".mrz-input");
  var mrzErrors = document.getElementById("mrz-errors");
  if (mrzButton && mrzInput) {
    mrzButton.addEventListener("click", function (event) {
      event.preventDefault();
      var data = new FormData();
      data.append("mrz", mrzInput.value);
      post(form.dataset.mrzUrl, data).then(function (response) {
        return response.json();
      }).then(function (body) {
        mrzErrors.innerHTML = "";
        if (body.errors) {
          body.errors.forEach(function (message) {
            var li = document.createElement("li");
            li.textContent = message;
            mrzErrors.appendChild(li);
          });
          mrzErrors.hidden = false;
          mrzInput.focus();
          return;
        }
        mrzErrors.hidden = true;
        Object.keys(body.fields).forEach(function (name) {
          var input = form.elements.namedItem(name);
          if (input && !input.disabled) { input.value = body.fields[name]; }
        });
        status.textContent = body.message;
        dirty = true;
        save();
      });
    });
  }
})();
