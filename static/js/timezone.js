/* Registration: send the browser's IANA time zone with the form (hidden field). The
   server keeps UTC when this does not run or names no known zone. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    var fields = document.querySelectorAll("input[data-browser-timezone]");
    Array.prototype.forEach.call(fields, function (field) {
      if (!field.value) { field.value = zone; }
    });
  });
})();
