#include "torchlab/train/report.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include "support/test_support.h"
#include "torchlab/core/error.h"
#include "torchlab/train/png_encode.h"
#include "torchlab/train/svg_chart.h"
#include "train_ui/fake_run.h"
#include "support/png_read.h"

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::read_text;
using testing_support::TempDir;
using testing_support::write_text;
using torchlab::train::RunDir;

namespace {

struct Polyline {
  std::string split;
  size_t declared = 0;
  std::vector<std::pair<double, double>> points;
};
struct Chart {
  std::string metric;
  std::vector<Polyline> lines;
};

std::string attr(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const size_t at = tag.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return tag.substr(start, tag.find('"', start) - start);
}

std::vector<Chart> parse_charts(const std::string& html) {
  std::vector<Chart> charts;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
    const size_t end = html.find("</svg>", at);
    const std::string svg = html.substr(at, end - at);
    Chart chart{attr(svg.substr(0, svg.find('>')), "data-metric"), {}};
    for (size_t p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1)) {
      const std::string tag = svg.substr(p, svg.find("/>", p) - p);
      Polyline line{attr(tag, "data-split"), std::stoul(attr(tag, "data-points")), {}};
      std::istringstream pts(attr(tag, "points"));
      for (std::string xy; pts >> xy;) {
        const size_t comma = xy.find(',');
        line.points.emplace_back(std::stod(xy.substr(0, comma)), std::stod(xy.substr(comma + 1)));
      }
      chart.lines.push_back(line);
    }
    charts.push_back(chart);
  }
  return charts;
}

// metrics.jsonl read back independently of RunDir: (metric, split) → rows with that metric.
std::map<std::pair<std::string, std::string>, size_t> count_rows(const fs::path& file) {
  std::map<std::pair<std::string, std::string>, size_t> counts;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const json row = json::parse(line);
    for (const auto& [k, v] : row.items())
      if (k != "step" && k != "epoch" && k != "split" && v.is_number()) ++counts[{k, row["split"]}];
  }
  return counts;
}

std::string g6(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string report_of(const FakeRun& run) {
  torchlab::train::write_report(RunDir::open(run.dir));
  return read_text(run.dir / "report.html");
}

}  // namespace

TEST(ReportCharts, OnePolylinePointPerMetricsRow) {
  TempDir tmp;
  const auto run = write_fake_run(tmp / "run");
  const std::string html = report_of(run);
  const auto charts = parse_charts(html);
  ASSERT_EQ(charts.size(), 3u);
  EXPECT_EQ(charts[0].metric, "loss");  // loss first, then in order of appearance
  EXPECT_EQ(charts[1].metric, "accuracy");
  EXPECT_EQ(charts[2].metric, "lr");

  const auto expected = count_rows(run.dir / "metrics.jsonl");
  EXPECT_EQ(expected, run.expected_points());
  EXPECT_EQ(expected.at({"accuracy", "train"}), 19u);  // the step-30 row has no accuracy
  size_t lines = 0;
  for (const auto& chart : charts)
    for (const auto& line : chart.lines) {
      ++lines;
      SCOPED_TRACE(chart.metric + "/" + line.split);
      EXPECT_EQ(line.declared, expected.at({chart.metric, line.split}));
      EXPECT_EQ(line.points.size(), line.declared);
      for (size_t i = 0; i < line.points.size(); ++i) {
        const auto [x, y] = line.points[i];
        EXPECT_GE(x, 64.0);  // inside the plot area: margins 64 left, 16 right, 36 top, 44 bottom of 560×320
        EXPECT_LE(x, 544.0);
        EXPECT_GE(y, 36.0);
        EXPECT_LE(y, 276.0);
        if (i > 0) {
          EXPECT_GT(x, line.points[i - 1].first);  // in step order
        }
      }
    }
  EXPECT_EQ(lines, expected.size());  // no polyline for a (metric, split) that has no rows
  std::vector<std::string> accuracy_splits;
  for (const auto& line : charts[1].lines) accuracy_splits.push_back(line.split);
  EXPECT_EQ(accuracy_splits, (std::vector<std::string>{"train", "valid", "eval"}));
}

TEST(ReportCharts, PointsAreScaledOnNiceAxes) {
  TempDir tmp;
  const auto charts = parse_charts(report_of(write_fake_run(tmp / "run")));
  // lr: steps 10..200 on an x axis 0..200 (ticks every 50) over 480 px from x = 64; values 0.01 then 0.001 on a y
  // axis 0..0.01 (ticks every 0.002) over 240 px up from y = 276.
  const auto& lr = charts[2].lines.at(0);
  EXPECT_EQ(lr.points.front(), std::make_pair(88.0, 36.0));
  EXPECT_EQ(lr.points[9], std::make_pair(304.0, 36.0));
  EXPECT_EQ(lr.points[10], std::make_pair(328.0, 252.0));
  EXPECT_EQ(lr.points.back(), std::make_pair(544.0, 252.0));
}

TEST(ReportPage, IsSelfContained) {
  TempDir tmp;
  const std::string html = report_of(write_fake_run(tmp / "run"));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* banned : {"<script", "<link", "@import", "url(", "http:", "https:", "<iframe", "<object"})
    EXPECT_EQ(html.find(banned), std::string::npos) << banned;
  for (size_t at = html.find(" src=\""); at != std::string::npos; at = html.find(" src=\"", at + 1))
    EXPECT_EQ(html.compare(at + 6, 22, "data:image/png;base64,"), 0);
}

TEST(ReportPage, ConfigTableAndFinalMetrics) {
  TempDir tmp;
  const auto run = write_fake_run(tmp / "run");
  const std::string html = report_of(run);
  EXPECT_NE(html.find("<th>optimizer.lr</th><td><code>0.01</code></td>"), std::string::npos);
  EXPECT_NE(html.find("<th>optimizer.name</th><td><code>adam</code></td>"), std::string::npos);
  EXPECT_NE(html.find("<th>hidden</th><td><code>[128,64]</code></td>"), std::string::npos);
  EXPECT_NE(html.find("<th>note</th><td><code>a &lt;b&gt; &amp; c</code></td>"), std::string::npos);

  EXPECT_NE(html.find("<tr><th>split</th><th>step</th><th>epoch</th><th>loss</th><th>accuracy</th><th>lr</th></tr>"),
            std::string::npos);
  // The last row of each split: train and valid at step 200, eval with accuracy only.
  json last_train, last_valid;
  for (const auto& row : run.rows) {
    if (row["split"] == "train") last_train = row;
    if (row["split"] == "valid") last_valid = row;
  }
  const std::string td = "<td class=\"num\">";
  EXPECT_NE(html.find("<tr><td>train</td>" + td + "200</td>" + td + "2</td>" + td + g6(last_train["loss"]) + "</td>" +
                      td + g6(last_train["accuracy"]) + "</td>" + td + "0.001</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr><td>valid</td>" + td + "200</td>" + td + "2</td>" + td + g6(last_valid["loss"]) + "</td>" +
                      td + g6(last_valid["accuracy"]) + "</td>" + td + "</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr><td>eval</td>" + td + "200</td>" + td + "2</td>" + td + "</td>" + td + "0.8125</td>" + td +
                      "</td></tr>"),
            std::string::npos);
}

TEST(ReportPage, SamplesAsTextTablesAndImages) {
  TempDir tmp;
  const std::string html = report_of(write_fake_run(tmp / "run"));
  EXPECT_NE(html.find("<h3>sample-epoch-2</h3>\n<pre>the quick &lt;brown&gt; &amp; fox\njumps</pre>"),
            std::string::npos);
  EXPECT_NE(html.find("<h3>Confusion matrix</h3>"), std::string::npos);
  EXPECT_NE(html.find("<tr><th></th><th>cat</th><th>dog</th></tr>"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>dog</td><td class=\"num\">2</td><td class=\"num\">7</td></tr>"), std::string::npos);
  EXPECT_EQ(html.find("notes"), std::string::npos);  // other files are left out

  // The inline images decode back to the exact pixels, shown 8× (4×3 → 32×24 CSS pixels).
  const std::regex img(
      "<img alt=\"([^\"]*)\" width=\"(\\d+)\" height=\"(\\d+)\" src=\"data:image/png;base64,([^\"]+)\">");
  size_t n = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), img); it != std::sregex_iterator(); ++it, ++n) {
    ASSERT_LT(n, kFakeImages.size());
    EXPECT_EQ((*it)[1], "label " + std::to_string(n));
    EXPECT_EQ((*it)[2], "32");
    EXPECT_EQ((*it)[3], "24");
    const auto image = decode_png(base64_decode((*it)[4]), false);
    ASSERT_EQ(image.width, 4);
    ASSERT_EQ(image.height, 3);
    EXPECT_EQ(std::vector<int>(image.pixels.begin(), image.pixels.end()), kFakeImages[n]);
  }
  EXPECT_EQ(n, kFakeImages.size());
}

TEST(ReportPage, RunWithoutMetricsStillRenders) {
  TempDir tmp;
  write_text(tmp / "run" / "config.json", "{\"model\": \"mlp\"}");
  torchlab::train::write_report(RunDir::open(tmp / "run"));
  const std::string html = read_text(tmp / "run" / "report.html");
  EXPECT_NE(html.find("No metrics logged yet."), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("<th>model</th><td><code>mlp</code></td>"), std::string::npos);
}

TEST(ReportPage, WrittenAtomicallyOverAnOldReport) {
  TempDir tmp;
  const auto run = write_fake_run(tmp / "run");
  write_text(run.dir / "report.html", "old");
  torchlab::train::write_report(RunDir::open(run.dir));
  EXPECT_NE(read_text(run.dir / "report.html"), "old");
  for (const auto& entry : fs::directory_iterator(run.dir))
    EXPECT_NE(entry.path().filename().string()[0], '.') << "temp file left: " << entry.path();
}

TEST(ReportErrors, MalformedSamplesNameTheFile) {
  TempDir tmp;
  const auto run = write_fake_run(tmp / "run");
  auto message_of = [&] {
    try {
      torchlab::train::write_report(RunDir::open(run.dir));
    } catch (const torchlab::UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  write_text(run.dir / "samples" / "digits.images.json",
             R"({"images": [{"width": 4, "height": 3, "pixels": [1, 2, 3]}]})");
  std::string m = message_of();
  EXPECT_NE(m.find("digits.images.json"), std::string::npos) << m;
  EXPECT_NE(m.find("image 0"), std::string::npos) << m;
  EXPECT_NE(m.find("width*height = 12"), std::string::npos) << m;
  write_text(run.dir / "samples" / "digits.images.json",
             R"({"images": [{"width": 1, "height": 2, "pixels": [1, 256]}]})");
  m = message_of();
  EXPECT_NE(m.find("pixel 1 is 256, expected 0..255"), std::string::npos) << m;
  fs::remove(run.dir / "samples" / "digits.images.json");
  write_text(run.dir / "samples" / "confusion.table.json", "{\"columns\": [1, 2");
  m = message_of();
  EXPECT_NE(m.find("confusion.table.json: not valid JSON"), std::string::npos) << m;
  EXPECT_FALSE(fs::exists(run.dir / "report.html"));  // nothing half-written
}

TEST(ReportErrors, RowWithoutStepIsNamed) {
  std::vector<json> rows = {{{"step", 1}, {"split", "train"}, {"loss", 1.0}}, {{"split", "train"}, {"loss", 0.5}}};
  try {
    torchlab::train::render_report("r", json::object(), rows, "/nonexistent");
    FAIL() << "no error";
  } catch (const torchlab::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("metrics.jsonl row 2"), std::string::npos) << e.what();
  }
}

TEST(ReportLayout, ChartBoxesAreAFixedGrid) {
  const auto a = torchlab::train::report_chart_box(0), b = torchlab::train::report_chart_box(1),
             c = torchlab::train::report_chart_box(2);
  EXPECT_EQ(a.x, 24);
  EXPECT_EQ(a.y, 80);
  EXPECT_EQ(b.x, 24 + 560 + 20);
  EXPECT_EQ(b.y, 80);
  EXPECT_EQ(c.x, 24);
  EXPECT_EQ(c.y, 80 + 320 + 20);
  EXPECT_LE(b.x + b.width, torchlab::train::kReportMinWidth - 20);  // room for a scroll bar
}

TEST(SvgChart, NiceTicksAndLabels) {
  using torchlab::train::nice_ticks;
  using torchlab::train::tick_label;
  EXPECT_EQ(nice_ticks(0, 1, 5), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  EXPECT_EQ(nice_ticks(3, 197, 6, true), (std::vector<double>{0, 50, 100, 150, 200}));
  EXPECT_EQ(nice_ticks(1, 3, 6, true), (std::vector<double>{1, 2, 3}));  // never finer than one step
  EXPECT_EQ(nice_ticks(-0.7, 0.3, 5), (std::vector<double>{-0.8, -0.6000000000000001, -0.4, -0.2, 0, 0.2, 0.4}));
  EXPECT_EQ(tick_label(0.2, 0.2), "0.2");
  EXPECT_EQ(tick_label(0.25, 0.05), "0.25");
  EXPECT_EQ(tick_label(150, 50), "150");
  EXPECT_EQ(tick_label(0.004, 0.002), "0.004");
  EXPECT_EQ(tick_label(2.5e7, 5e6), "2.5e+07");
  EXPECT_EQ(torchlab::train::html_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
}

TEST(PngEncode, RoundTripsThroughLibpng) {
  std::vector<uint8_t> pixels(7 * 5);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 37 % 256);
  const std::string png = torchlab::train::encode_png_gray(7, 5, pixels.data());
  EXPECT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n");
  const auto image = decode_png(png, false);
  EXPECT_EQ(image.width, 7);
  EXPECT_EQ(image.height, 5);
  EXPECT_EQ(image.pixels, pixels);
}

TEST(PngEncode, Base64) {
  using torchlab::train::base64_encode;
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("M"), "TQ==");
  EXPECT_EQ(base64_encode("Ma"), "TWE=");
  EXPECT_EQ(base64_encode("Man"), "TWFu");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
  EXPECT_EQ(base64_decode(base64_encode("any carnal pleas")), "any carnal pleas");
}
