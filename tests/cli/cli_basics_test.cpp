#include <gtest/gtest.h>

#include "support/test_support.h"

using testing_support::run_cli;

TEST(Cli, TensorsPrintsTheSeedOutputFirst) {
  auto r = run_cli("tensors --device cpu");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string seed = "  6\n  2\n  8\n  2\n 10\n[ CPUIntType{5} ]\n";
  EXPECT_EQ(r.out.substr(0, seed.size()), seed);
  for (const char* heading : {"Creation and dtypes", "Broadcasting", "Matrix multiplication", "Reductions",
                              "Indexing and slicing", "In-place operations", "Autograd", "Devices"})
    EXPECT_NE(r.out.find(std::string("== ") + heading + " =="), std::string::npos) << heading;
  EXPECT_NE(r.out.find("dy/dx = 14"), std::string::npos);
}

TEST(Cli, HelpAndVersion) {
  auto help = run_cli("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("tensors"), std::string::npos);
  auto version = run_cli("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("torchlab 0."), std::string::npos);
  auto sub = run_cli("tensors --help");
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.out.find("--device"), std::string::npos);
}

TEST(Cli, UserErrorsExitTwoWithOneClearLine) {
  auto bad_flag = run_cli("tensors --no-such-flag");
  EXPECT_EQ(bad_flag.exit_code, 2);
  EXPECT_NE(bad_flag.err.find("no-such-flag"), std::string::npos);
  auto bad_device = run_cli("tensors --device tpu");
  EXPECT_EQ(bad_device.exit_code, 2);
  EXPECT_NE(bad_device.err.find("expected auto, cpu, cuda or cuda:N"), std::string::npos);
  EXPECT_EQ(bad_device.err.find("Exception raised from"), std::string::npos);  // no libtorch backtrace
  auto no_command = run_cli("");
  EXPECT_EQ(no_command.exit_code, 2);
  auto bad_threads = run_cli("tensors --threads -3");
  EXPECT_EQ(bad_threads.exit_code, 2);
}

TEST(Cli, InfoShowsBlasAndBackends) {
  auto r = run_cli("info");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("BLAS"), std::string::npos);
  EXPECT_NE(r.out.find("libtorch"), std::string::npos);
  EXPECT_NE(r.out.find("distributed"), std::string::npos);
  auto j = run_cli("info --json");
  ASSERT_EQ(j.exit_code, 0);
  EXPECT_NE(j.out.find("\"blas\""), std::string::npos);
}
