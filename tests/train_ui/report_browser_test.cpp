// Opens report.html in headless Chromium (nothing served: a file:// URL) and checks the screenshot: every chart's
// box holds its axes and coloured lines, and the box after the last chart is blank.
#include <gtest/gtest.h>

#include <cstdlib>

#include "support/test_support.h"
#include "torchlab/train/report.h"
#include "train_ui/fake_run.h"
#include "support/png_read.h"

namespace fs = std::filesystem;
using testing_support::TempDir;
using torchlab::train::report_chart_box;

namespace {

constexpr int kWidth = 1200, kHeight = 3000;

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    const auto r = testing_support::run_shell(std::string("command -v ") + name);
    if (r.exit_code == 0 && !r.out.empty()) return r.out.substr(0, r.out.find('\n'));
  }
  return "";
}

struct Rgb {
  int r, g, b;
};

bool near(const uint8_t* p, Rgb c, int tolerance = 60) {
  return std::abs(p[0] - c.r) + std::abs(p[1] - c.g) + std::abs(p[2] - c.b) < tolerance;
}
bool white(const uint8_t* p) { return p[0] > 250 && p[1] > 250 && p[2] > 250; }

// Pixels in [x0, x1) × [y0, y1) that satisfy `pred`.
template <typename Pred>
int count(const DecodedImage& img, int x0, int y0, int x1, int y1, Pred pred) {
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) n += pred(img.at(x, y)) ? 1 : 0;
  return n;
}

}  // namespace

TEST(ReportBrowser, ChartsRenderInHeadlessChromium) {
  const std::string chromium = find_chromium();
  ASSERT_FALSE(chromium.empty()) << "chromium is not installed; the report test needs it: run scripts/setup.sh test "
                                    "(it installs Debian's chromium package)";
  TempDir tmp;
  const auto run = write_fake_run(tmp / "run");
  torchlab::train::write_report(torchlab::train::RunDir::open(run.dir));
  const fs::path shot = tmp / "shot.png";
  const std::string command = "HOME='" + tmp.path().string() + "' timeout 60 '" + chromium +
                              "' --headless --no-sandbox --disable-gpu --disable-background-networking "
                              "--disable-component-update --disable-sync --no-first-run --user-data-dir='" +
                              (tmp / "profile").string() + "' --screenshot='" + shot.string() +
                              "' --window-size=" + std::to_string(kWidth) + "," + std::to_string(kHeight) +
                              " 'file://" + fs::absolute(run.dir / "report.html").string() + "'";
  const auto r = testing_support::run_shell(command);
  ASSERT_TRUE(fs::exists(shot)) << "chromium wrote no screenshot (exit " << r.exit_code << "):\n" << r.err;
  const auto img = decode_png(testing_support::read_text(shot), true);
  ASSERT_EQ(img.width, kWidth);
  ASSERT_EQ(img.height, kHeight);

  const Rgb train{0x1f, 0x77, 0xb4}, valid{0xff, 0x7f, 0x0e}, eval{0x2c, 0xa0, 0x2c}, border{0xd0, 0xd0, 0xd0};
  // Charts in page order: loss (train, valid), accuracy (train, valid, eval), lr (train).
  const std::vector<std::vector<Rgb>> colours = {{train, valid}, {train, valid, eval}, {train}};
  for (size_t i = 0; i < colours.size(); ++i) {
    SCOPED_TRACE("chart " + std::to_string(i));
    const auto box = report_chart_box(i);
    ASSERT_LE(box.y + box.height, kHeight);
    // The chart's frame is where the layout says: grey on the box edge, white just outside it.
    EXPECT_TRUE(near(img.at(box.x, box.y + box.height / 2), border, 40));
    EXPECT_TRUE(white(img.at(box.x - 4, box.y + box.height / 2)));
    EXPECT_TRUE(near(img.at(box.x + box.width / 2, box.y + box.height - 1), border, 40));
    // Inside the plot area (margins 64/16/36/44, plus the radius of the dots on its edges): grid, lines and dots
    // drawn, each series in its colour.
    const int x0 = box.x + 60, y0 = box.y + 32, x1 = box.x + box.width - 12, y1 = box.y + box.height - 40;
    EXPECT_GT(count(img, x0, y0, x1, y1, [](const uint8_t* p) { return !white(p); }), 1000);
    for (const auto& c : colours[i])
      EXPECT_GT(count(img, x0, y0, x1, y1, [&](const uint8_t* p) { return near(p, c); }), 12)
          << "no pixels of colour " << c.r << "," << c.g << "," << c.b;
    EXPECT_GT(count(img, x0, y0, x1, y1, [&](const uint8_t* p) { return near(p, train); }), 400);
  }
  // Three charts in two columns: the fourth box is empty page.
  const auto empty = report_chart_box(3);
  EXPECT_EQ(count(img, empty.x, empty.y, empty.x + empty.width, empty.y + empty.height,
                  [](const uint8_t* p) { return !white(p); }),
            0);
}
