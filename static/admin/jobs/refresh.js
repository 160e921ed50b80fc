// Keeps a job list live: while any job is queued or running, reload every 3 s.
(function () {
  "use strict";
  function tick() {
    // Do not reload under a staff member who is selecting jobs for an action.
    if (document.querySelector("input.action-select:checked")) {
      window.setTimeout(tick, 3000);
    } else {
      window.location.reload();
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var marker = document.getElementById("job-refresh");
    if (marker && marker.dataset.activeJobs !== "0") window.setTimeout(tick, 3000);
  });
})();
