// Tell the server the browser's time zone: anonymous visitors see times in it, and
// the sign-up form pre-fills the profile's zone from it (editable later).
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  if (document.cookie.indexOf("shala_tz=") === -1) {
    document.cookie = "shala_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
  }
  document.querySelectorAll("input[name=time_zone][type=hidden]").forEach(function (input) {
    if (!input.value) { input.value = zone; }
  });
})();
