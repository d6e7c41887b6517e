#include "torchlab/finance/batch.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "support/test_support.h"
#include "torchlab/core/error.h"
#include "torchlab/finance/closed_form.h"
#include "torchlab/finance/csv.h"
#include "torchlab/finance/greeks.h"

using namespace torchlab::finance;
using testing_support::read_text;
using testing_support::TempDir;
using testing_support::write_text;

namespace {

const std::filesystem::path kFixtures = std::filesystem::path(TORCHLAB_FIXTURES) / "finance";

std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  std::vector<std::string_view> fields;
  while (std::getline(in, line)) {
    split_csv(line, fields);
    rows.emplace_back(fields.begin(), fields.end());
  }
  return rows;
}

int column(const std::vector<std::string>& header, const std::string& name) {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  ADD_FAILURE() << "no column " << name;
  return 0;
}

// The message of the UserError `fn` throws ("" when none).
template <typename F>
std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const torchlab::UserError& e) {
    return e.what();
  }
  return "";
}

// Files in a folder (the output and any temporary leftovers).
size_t files_in(const std::filesystem::path& dir) {
  return std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator());
}

const char* kHeader = "type,forward,strike,vol,time,rate\n";
const char* kGood = "call,100,100,0.3,1,0.01\n";

}  // namespace

TEST(Batch, GreeksCsvMatchesClosedFormsAndKeepsRows) {
  TempDir tmp;
  BatchJob job;
  job.input = kFixtures / "options.csv";
  job.output = tmp / "greeks.csv";
  const auto s = greeks_csv(job);
  EXPECT_EQ(s.rows, 6);
  EXPECT_EQ(s.model, Model::black76);
  const auto rows = read_csv(job.output);
  ASSERT_EQ(rows.size(), 7u);
  const auto& h = rows[0];
  const std::vector<std::string> expect_header = {"id",    "type", "forward", "strike", "vol",
                                                  "time",  "rate", "price",   "delta",  "vega",
                                                  "theta", "rho",  "gamma",   "vanna",  "volga"};
  EXPECT_EQ(h, expect_header);
  const auto input = read_csv(job.input);
  for (size_t r = 1; r < rows.size(); ++r) {
    for (size_t c = 0; c < input[r].size(); ++c) EXPECT_EQ(rows[r][c], input[r][c]);  // the row as it was
    Option o;
    o.put = rows[r][1] == "put" || rows[r][1] == "P";
    o.underlying = std::stod(rows[r][2]);
    o.strike = std::stod(rows[r][3]);
    o.vol = std::stod(rows[r][4]);
    o.time = std::stod(rows[r][5]);
    o.rate = std::stod(rows[r][6]);
    const auto cf = closed_form_greeks(o);
    for (int g : greeks_of(Model::black76)) {
      const double got = std::stod(rows[r][column(h, greek_name(g))]);
      EXPECT_LE(std::abs(got - cf[g]), 1e-9 * std::abs(cf[g]) + 1e-10) << rows[r][0] << " " << greek_name(g);
    }
  }
  EXPECT_EQ(rows[1][column(h, "price")].substr(0, 7), "11.8048");  // 11.80489728...
}

TEST(Batch, BsmFromSpotColumnWithQuotedIdAndEveryMethod) {
  TempDir tmp;
  BatchJob job;
  job.input = kFixtures / "spot_options.csv";
  job.output = tmp / "out.csv";
  greeks_csv(job);
  const auto autograd = read_text(job.output);
  EXPECT_NE(autograd.find("\"a, with comma\""), std::string::npos);
  EXPECT_NE(autograd.find(",epsilon,"), std::string::npos);
  job.method = Method::closed_form;
  job.output = tmp / "cf.csv";
  greeks_csv(job);
  job.method = Method::jet;
  job.output = tmp / "jet.csv";
  greeks_csv(job);
  const auto a = read_csv(tmp / "out.csv"), c = read_csv(tmp / "cf.csv"), j = read_csv(tmp / "jet.csv");
  ASSERT_EQ(a.size(), 4u);
  for (size_t r = 1; r < a.size(); ++r)
    for (size_t k = 8; k < a[r].size(); ++k) {
      const double x = std::stod(a[r][k]), y = std::stod(c[r][k]), z = std::stod(j[r][k]);
      EXPECT_LE(std::abs(x - y), 1e-9 * std::abs(y) + 1e-10) << a[0][k];
      EXPECT_LE(std::abs(z - y), 1e-9 * std::abs(y) + 1e-10) << a[0][k];
    }
}

TEST(Batch, SmallChunksGiveTheSameFile) {
  TempDir tmp;
  std::string text = "id,type,forward,strike,vol,time,rate\r\n";
  for (int i = 0; i < 50; ++i)
    text += std::to_string(i) + (i % 2 ? ",put," : ",call,") + std::to_string(80 + i) + ",100,0." +
            std::to_string(10 + i) + ",1.5,0.02\r\n";
  text += "\n";  // a blank line at the end
  write_text(tmp / "in.csv", text);
  BatchJob job;
  job.input = tmp / "in.csv";
  job.output = tmp / "whole.csv";
  greeks_csv(job);
  job.output = tmp / "chunked.csv";
  job.chunk_rows = 7;
  EXPECT_EQ(greeks_csv(job).rows, 50);
  EXPECT_EQ(read_text(tmp / "whole.csv"), read_text(tmp / "chunked.csv"));
  EXPECT_EQ(read_text(tmp / "whole.csv").find('\r'), std::string::npos);
}

TEST(Batch, EachBadRowNamesRowAndColumnAndWritesNothing) {
  struct Case {
    std::string row;
    std::string expect;
  };
  const Case cases[] = {
      {"call,100,100,0.3,1\n", "row 2 (line 3): has 5 columns; the header has 6"},
      {"call,100,100,0.3,1,0.01,7\n", "has 7 columns"},
      {"call,100,100,abc,1,0.01\n", "row 2 (line 3): column \"vol\" is 'abc', not a number"},
      {"call,100,100,,1,0.01\n", "column \"vol\" is '', not a number"},
      {"straddle,100,100,0.3,1,0.01\n", "column \"type\" is 'straddle'; expected call or put"},
      {"call,100,100,nan,1,0.01\n", "column \"vol\" is NaN"},
      {"call,100,100,0.3,inf,0.01\n", "column \"time\" is inf; give a finite number"},
      {"call,100,100,0.3,1,-inf\n", "column \"rate\" is -inf"},
      {"call,100,100,0,1,0.01\n", "column \"vol\" is 0; it must be greater than 0"},
      {"call,100,100,-0.3,1,0.01\n", "column \"vol\" is -0.3; it must be greater than 0"},
      {"call,100,100,0.3,0,0.01\n", "column \"time\" is 0"},
      {"call,100,-100,0.3,1,0.01\n", "column \"strike\" is -100"},
      {"call,0,100,0.3,1,0.01\n", "column \"forward\" is 0"},
      {"call,1e999,100,0.3,1,0.01\n", "column \"forward\" is 1e999, out of float64's range"},
  };
  for (const auto& c : cases) {
    TempDir tmp;
    write_text(tmp / "in.csv", std::string(kHeader) + kGood + c.row + kGood);
    BatchJob job;
    job.input = tmp / "in.csv";
    job.output = tmp / "out.csv";
    const auto message = error_of([&] { greeks_csv(job); });
    EXPECT_NE(message.find("in.csv " + (c.expect.rfind("row", 0) == 0 ? c.expect : "row 2 (line 3): " + c.expect)),
              std::string::npos)
        << message << " | expected: " << c.expect;
    EXPECT_NE(message.find("--skip-invalid"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(job.output));
    EXPECT_EQ(files_in(tmp.path()), 1u) << "a temporary file was left behind";
  }
}

TEST(Batch, SkipInvalidLeavesBadRowsOutAndCountsThem) {
  TempDir tmp;
  write_text(tmp / "in.csv", std::string(kHeader) + kGood + "call,100,100,-1,1,0.01\n" + kGood + "x,1,2,3,4,5\n" +
                                 "call,100\n" + kGood);
  BatchJob job;
  job.input = tmp / "in.csv";
  job.output = tmp / "out.csv";
  job.skip_invalid = true;
  const auto s = greeks_csv(job);
  EXPECT_EQ(s.rows, 3);
  EXPECT_EQ(s.skipped, 3);
  ASSERT_EQ(s.skipped_rows.size(), 3u);
  EXPECT_NE(s.skipped_rows[0].find("row 2 (line 3): column \"vol\""), std::string::npos) << s.skipped_rows[0];
  EXPECT_NE(s.skipped_rows[1].find("row 4 (line 5): column \"type\""), std::string::npos) << s.skipped_rows[1];
  EXPECT_NE(s.skipped_rows[2].find("row 5 (line 6): has 2 columns"), std::string::npos) << s.skipped_rows[2];
  EXPECT_EQ(read_csv(job.output).size(), 4u);
}

TEST(Batch, HeaderProblems) {
  TempDir tmp;
  BatchJob job;
  job.input = tmp / "in.csv";
  job.output = tmp / "out.csv";
  auto message = [&](const std::string& text) {
    write_text(job.input, text);
    return error_of([&] { greeks_csv(job); });
  };
  EXPECT_NE(message("type,forward,strike,time,rate\n").find("has no vol column"), std::string::npos);
  EXPECT_NE(message("type,strike,vol,time,rate\n").find("no forward or spot column"), std::string::npos);
  EXPECT_NE(message("type,forward,spot,strike,vol,time,rate\n").find("both a forward and a spot"), std::string::npos);
  EXPECT_NE(message("type,forward,strike,vol,time,rate,dividend\n").find("dividend column"), std::string::npos);
  EXPECT_NE(message("").find("is empty"), std::string::npos);
  job.model = Model::black76;
  EXPECT_NE(message("type,spot,strike,vol,time,rate\n").find("--model black76"), std::string::npos);
  job.input = tmp / "missing.csv";
  EXPECT_NE(error_of([&] { greeks_csv(job); }).find("no such file"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(job.output));
}

TEST(Batch, ImpliedVolCsvRoundTripAndNoSolutionRows) {
  TempDir tmp;
  write_text(tmp / "in.csv",
             "id,type,forward,strike,time,rate,price\n"
             "seed,call,100,100,1,0.01,11.804897283933527\n"
             "too-high,call,100,100,1,0.01,150\n"
             "too-low,put,100,130,1,0.01,20\n"
             "otm,put,100,80,0.5,0.02,0.8\n");
  BatchJob job;
  job.input = tmp / "in.csv";
  job.output = tmp / "out.csv";
  const auto s = implied_vol_csv(job);
  EXPECT_EQ(s.rows, 4);
  EXPECT_EQ(s.unsolved, 2);
  const auto rows = read_csv(job.output);
  ASSERT_EQ(rows.size(), 5u);
  const auto& h = rows[0];
  const int iv = column(h, "implied_vol"), why = column(h, "reason");
  EXPECT_NEAR(std::stod(rows[1][iv]), 0.3, 1e-10);
  EXPECT_EQ(rows[1][why], "");
  EXPECT_EQ(rows[2][iv], "");
  EXPECT_NE(rows[2][why].find("upper bound"), std::string::npos);
  EXPECT_EQ(rows[3][iv], "");
  EXPECT_NE(rows[3][why].find("lower bound"), std::string::npos);
  Option otm;
  otm.put = true;
  otm.strike = 80;
  otm.time = 0.5;
  otm.rate = 0.02;
  otm.vol = std::stod(rows[4][iv]);
  EXPECT_NEAR(closed_form_greeks(otm)[kPrice], 0.8, 1e-10);
}

TEST(Batch, SplitCsvFields) {
  std::vector<std::string_view> f;
  split_csv(R"(a, b ,"c,d","e""f",,)", f);
  ASSERT_EQ(f.size(), 6u);
  EXPECT_EQ(f[0], "a");
  EXPECT_EQ(f[1], "b");
  EXPECT_EQ(f[2], "c,d");
  EXPECT_EQ(f[3], "e\"\"f");
  EXPECT_EQ(f[4], "");
  EXPECT_EQ(f[5], "");
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
}
