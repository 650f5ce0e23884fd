// Tell the server the browser's time zone: anonymous visitors see times in it, and
// the sign-up form pre-fills the profile's zone from it (editable later).
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  // Written on every page: it follows a browser that moved to another zone, and on HTTPS a
  // cookie written before it was Secure becomes Secure (never sent over plain HTTP).
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "shala_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax" + secure;
  document.querySelectorAll("input[name=time_zone][type=hidden]").forEach(function (input) {
    if (!input.value) { input.value = zone; }
  });
})();
