#include "torchlab/train/report.h"

#include <iostream>
#include <memory>

#include "torchlab/command.h"

namespace torchlab::cli {
namespace {

Register reg(
    "report", "Write runs/<name>/report.html: charts of every metric, the config, final metrics and samples",
    [](CLI::App& app) {
      auto run = std::make_shared<std::string>();
      app.add_option("run", *run, "run directory, e.g. runs/char-rnn-20260101-120000")->required();
      app.callback([run] {
        const auto dir = train::RunDir::open(*run);  // a missing folder or config.json is a UserError
        train::write_report(dir);
        std::cout << dir.report_path().string() << "\n";
      });
    },
    90);

}  // namespace
}  // namespace torchlab::cli
