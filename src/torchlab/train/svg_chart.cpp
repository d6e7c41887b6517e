#include "torchlab/train/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace torchlab::train {
namespace {

constexpr int kMarginLeft = 64, kMarginRight = 16, kMarginTop = 36, kMarginBottom = 44;
constexpr size_t kDotsUpTo = 50;  // series with at most this many points also get a dot per point

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

struct Range {
  double lo, hi;
};

// Data range of one axis, widened when it is a single value so the scale is defined.
Range data_range(const std::vector<ChartSeries>& series, bool x) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series)
    for (const auto& [px, py] : s.points) {
      const double v = x ? px : py;
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  if (!(lo <= hi)) return {0, 1};
  if (hi == lo) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    return {lo - pad, hi + pad};
  }
  return {lo, hi};
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target, bool integer) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = (hi - lo) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  if (integer) step = std::max(step, 1.0);
  const double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
  std::vector<double> ticks;
  for (double k = first; k <= last + 0.5; ++k) ticks.push_back(k * step == 0 ? 0.0 : k * step);  // no "-0"
  return ticks;
}

std::string tick_label(double value, double spacing) {
  char buf[48];
  const double a = std::abs(value);
  if (a >= 1e6 || (a > 0 && a < 1e-4 && spacing < 1e-4)) {
    std::snprintf(buf, sizeof buf, "%.3g", value);
    return buf;
  }
  const int decimals = spacing > 0 ? std::clamp(static_cast<int>(std::ceil(-std::log10(spacing) - 1e-9)), 0, 8) : 0;
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string svg_line_chart(const std::string& title, const std::string& x_label, const std::vector<ChartSeries>& series,
                           int width, int height) {
  const double left = kMarginLeft, right = width - kMarginRight, top = kMarginTop, bottom = height - kMarginBottom;
  const Range xr = data_range(series, true), yr = data_range(series, false);
  const auto xt = nice_ticks(xr.lo, xr.hi, 6, true), yt = nice_ticks(yr.lo, yr.hi, 5);
  const double x0 = xt.front(), x1 = xt.back(), y0 = yt.front(), y1 = yt.back();
  auto sx = [&](double x) { return left + (x - x0) / (x1 - x0) * (right - left); };
  auto sy = [&](double y) { return bottom - (y - y0) / (y1 - y0) * (bottom - top); };
  const double xstep = xt.size() > 1 ? xt[1] - xt[0] : 1, ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;

  std::ostringstream o;
  o << "<svg class=\"chart\" data-metric=\"" << html_escape(title) << "\" width=\"" << width << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << width << " " << height << "\" role=\"img\" aria-label=\"" << html_escape(title)
    << " over " << html_escape(x_label) << "\">\n";
  o << "<rect x=\"0.5\" y=\"0.5\" width=\"" << width - 1 << "\" height=\"" << height - 1
    << "\" fill=\"#fff\" stroke=\"#d0d0d0\"/>\n";
  o << "<text x=\"12\" y=\"22\" font-size=\"15\" font-weight=\"bold\" fill=\"#222\">" << html_escape(title)
    << "</text>\n";

  // Grid, ticks and labels.
  o << "<g font-size=\"11\" fill=\"#555\">\n";
  for (double y : yt) {
    const std::string py = fixed1(sy(y));
    o << "<line x1=\"" << left << "\" y1=\"" << py << "\" x2=\"" << right << "\" y2=\"" << py
      << "\" stroke=\"#ececec\"/>"
      << "<text x=\"" << left - 6 << "\" y=\"" << py << "\" dy=\"4\" text-anchor=\"end\">" << tick_label(y, ystep)
      << "</text>\n";
  }
  for (double x : xt) {
    const std::string px = fixed1(sx(x));
    o << "<line x1=\"" << px << "\" y1=\"" << top << "\" x2=\"" << px << "\" y2=\"" << bottom
      << "\" stroke=\"#ececec\"/>"
      << "<line x1=\"" << px << "\" y1=\"" << bottom << "\" x2=\"" << px << "\" y2=\"" << bottom + 5
      << "\" stroke=\"#888\"/>"
      << "<text x=\"" << px << "\" y=\"" << bottom + 18 << "\" text-anchor=\"middle\">" << tick_label(x, xstep)
      << "</text>\n";
  }
  o << "</g>\n";
  o << "<path d=\"M" << left << " " << top << "V" << bottom << "H" << right << "\" fill=\"none\" stroke=\"#888\"/>\n";
  o << "<text x=\"" << (left + right) / 2 << "\" y=\"" << height - 8
    << "\" font-size=\"12\" fill=\"#444\" text-anchor=\"middle\">" << html_escape(x_label) << "</text>\n";

  // Legend, right-aligned on the title line.
  double lx = right;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    lx -= 30 + 7.0 * it->name.size();
    o << "<line x1=\"" << lx << "\" y1=\"17\" x2=\"" << lx + 18 << "\" y2=\"17\" stroke=\"" << it->color
      << "\" stroke-width=\"3\"/><text x=\"" << lx + 22 << "\" y=\"21\" font-size=\"12\" fill=\"#333\">"
      << html_escape(it->name) << "</text>\n";
  }

  for (const auto& s : series) {
    std::string pts;
    for (const auto& [x, y] : s.points) pts += (pts.empty() ? "" : " ") + fixed1(sx(x)) + "," + fixed1(sy(y));
    o << "<polyline data-split=\"" << html_escape(s.name) << "\" data-points=\"" << s.points.size()
      << "\" fill=\"none\" stroke=\"" << s.color
      << "\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\" points=\"" << pts << "\"/>\n";
    if (s.points.size() <= kDotsUpTo) {
      o << "<g fill=\"" << s.color << "\">";
      for (const auto& [x, y] : s.points)
        o << "<circle cx=\"" << fixed1(sx(x)) << "\" cy=\"" << fixed1(sy(y)) << "\" r=\"3\"/>";
      o << "</g>\n";
    }
  }
  o << "</svg>";
  return o.str();
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace torchlab::train
