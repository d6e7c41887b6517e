#pragma once
// Inline SVG line charts for report.html: no scripts, fonts or network, just elements a browser draws.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace torchlab::train {

// One line of a chart: (x, y) points in drawing order, and the colour to draw them in.
struct ChartSeries {
  std::string name;  // shown in the legend and as the polyline's data-split
  std::string color;
  std::vector<std::pair<double, double>> points;
};

// Ticks at 1, 2 or 5 × 10^k covering [lo, hi] with about `target` intervals; the first and last tick enclose the
// range. `integer` keeps the spacing at least 1 (steps).
std::vector<double> nice_ticks(double lo, double hi, int target, bool integer = false);
// A tick label with just the decimals the tick spacing needs (0.25 → "0.25", 2000 → "2000", 1e-5 spacing → "%.5f").
std::string tick_label(double value, double spacing);

// <svg data-metric="title" width=.. height=..> with axes, ticks, labels, a legend, and per series a
// <polyline data-split="name" data-points="n"> (plus dots where a series has few points so single points show).
std::string svg_line_chart(const std::string& title, const std::string& x_label, const std::vector<ChartSeries>& series,
                           int width, int height);

std::string html_escape(std::string_view text);

}  // namespace torchlab::train
