// The suggestions page's first visit: "Use my location" asks the browser for the position (the
// browser asks the person first) and posts it, rounded, as the weather location.
(function () {
  "use strict";
  const button = document.getElementById("use-location");
  const form = document.getElementById("place-form");
  if (!button || !form || !("geolocation" in navigator)) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.querySelector("input[name=latitude]").value = position.coords.latitude.toFixed(2);
        form.querySelector("input[name=longitude]").value = position.coords.longitude.toFixed(2);
        form.querySelector("input[name=city]").required = false;
        form.submit();
      },
      function () {
        button.disabled = false;
        window.alert(gettext("Your browser did not share its location. Type your city instead."));
      },
      { maximumAge: 600000, timeout: 15000 }
    );
  });
})();
