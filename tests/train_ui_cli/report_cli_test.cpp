#include <gtest/gtest.h>

#include "support/test_support.h"
#include "train_ui/fake_run.h"

namespace fs = std::filesystem;
using testing_support::run_cli;
using testing_support::TempDir;

TEST(ReportCli, WritesTheReportAndPrintsItsPath) {
  TempDir tmp;
  write_fake_run(tmp / "runs" / "demo");
  const auto r = run_cli("report runs/demo", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "runs/demo/report.html\n");
  const std::string html = testing_support::read_text(tmp / "runs" / "demo" / "report.html");
  EXPECT_NE(html.find("data-metric=\"loss\""), std::string::npos);
  EXPECT_NE(html.find("Confusion matrix"), std::string::npos);
}

TEST(ReportCli, MissingRunOrConfigIsAUserError) {
  TempDir tmp;
  auto missing = run_cli("report runs/nope", tmp.path());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("runs/nope"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;

  fs::create_directories(tmp / "runs" / "empty");
  auto no_config = run_cli("report runs/empty", tmp.path());
  EXPECT_EQ(no_config.exit_code, 2);
  EXPECT_NE(no_config.err.find("config.json"), std::string::npos) << no_config.err;
  EXPECT_FALSE(fs::exists(tmp / "runs" / "empty" / "report.html"));

  auto no_arg = run_cli("report", tmp.path());
  EXPECT_EQ(no_arg.exit_code, 2);
}

TEST(ReportCli, BadSamplesFileIsAUserErrorNamingIt) {
  TempDir tmp;
  write_fake_run(tmp / "runs" / "demo");
  testing_support::write_text(tmp / "runs" / "demo" / "samples" / "x.table.json", "{\"rows\": 3}");
  const auto r = run_cli("report runs/demo", tmp.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("x.table.json"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}
