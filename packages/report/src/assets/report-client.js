(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var plots = [];
  var syncing = false;
  function wireLegend(element) {
    var legend = document.getElementById(element.id + "-legend");
    if (!legend) return;
    var items = Array.prototype.slice.call(legend.querySelectorAll("button[data-trace]"));
    var titles = Array.prototype.slice.call(legend.querySelectorAll("button[data-group]"));
    var shown = function (index) { return element.data[index].visible !== "legendonly"; };
    var inGroup = function (group) {
      return element.data.map(function (trace, index) { return trace.legendgroup === group ? index : -1; })
        .filter(function (index) { return index >= 0; });
    };
    var refresh = function () {
      items.forEach(function (item) { item.setAttribute("aria-pressed", String(shown(Number(item.dataset.trace)))); });
      titles.forEach(function (title) { title.setAttribute("aria-pressed", String(inGroup(title.dataset.group).some(shown))); });
    };
    legend.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button || !legend.contains(button)) return;
      var indices = button.dataset.group !== undefined ? inGroup(button.dataset.group) : [Number(button.dataset.trace)];
      // A group title hides its group while any of it shows, and shows it all otherwise.
      var show = !indices.some(shown);
      Plotly.restyle(element, { visible: indices.map(function () { return show ? true : "legendonly"; }) }, indices).then(refresh);
    });
    refresh();
  }
  var drawn = data.charts.map(function (chart) {
    var element = document.getElementById(chart.id);
    plots.push(element);
    return Plotly.newPlot(element, chart.traces, chart.layout, {
      responsive: true,
      displaylogo: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d"]
    }).then(function () {
      wireLegend(element);
      element.on("plotly_relayout", function (event) {
        if (syncing) return;
        var update = null;
        if (event["xaxis.range[0]"] !== undefined) update = { "xaxis.range": [event["xaxis.range[0]"], event["xaxis.range[1]"]] };
        else if (event["xaxis.range"]) update = { "xaxis.range": event["xaxis.range"] };
        else if (event["xaxis.autorange"]) update = { "xaxis.range": data.xRange };
        if (!update) return;
        syncing = true;
        Promise.all(plots.filter(function (other) { return other !== element; }).map(function (other) {
          return Plotly.relayout(other, update);
        })).then(function () { syncing = false; }, function () { syncing = false; });
      });
    });
  });
  Promise.all(drawn).then(function () {
    document.documentElement.setAttribute("data-charts-ready", String(plots.length));
  });
})();
