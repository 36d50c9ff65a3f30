// TLS: kalshi-sim serves HTTPS with a self-signed certificate made at test time (openssl CLI,
// subjectAltName IP:127.0.0.1 and DNS:localhost), and the real binary shows that
//   (a) by default the client refuses it: exit 1, one line naming the rejected certificate and
//       the fix (ca_file);
//   (b) with `ca_file:` pointing at the certificate it syncs;
//   (c) with `insecure: true` it syncs and warns on stderr that verification is off;
//   (d) a certificate for another host name is refused even when it is the trusted ca_file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/sim_server.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessResult;
using testing::readFile;
using testing::SimServer;
using testing::TempDir;
using testing::writeFile;

constexpr const char* kToken = "tls-test-token-5e1d";

// A self-signed certificate and its key for `subject_alt_names` (e.g.
// "IP:127.0.0.1,DNS:localhost").
void makeCertificate(const std::string& cert, const std::string& key,
                     const std::string& common_name, const std::string& subject_alt_names) {
  const auto result =
      testing::runProcess({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                           "-keyout", key, "-out", cert, "-days", "2", "-subj",
                           "/CN=" + common_name, "-addext", "subjectAltName=" + subject_alt_names});
  ASSERT_EQ(result.exit_code, 0) << result.err;
}

class TlsTest : public ::testing::Test {
 protected:
  // An HTTPS simulator presenting a certificate for `common_name` / `subject_alt_names`.
  void startTlsSim(const std::string& common_name = "localhost",
                   const std::string& subject_alt_names = "IP:127.0.0.1,DNS:localhost") {
    cert_ = certs_.file("cert.pem");
    const std::string key = certs_.file("key.pem");
    makeCertificate(cert_, key, common_name, subject_alt_names);
    sim_ = std::make_unique<SimServer>(
        std::vector<std::string>{"--fills", "200", "--seed", "5", "--anchor", "now",
                                 "--bearer-token", kToken, "--tls-cert", cert_, "--tls-key", key});
  }
  std::string url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(sim_->port()) + "/trade-api/v2";
  }
  // kalshi_live (fills only) -> CSV, with `extra` source options.
  std::string pipeline(const std::string& base_url, const std::string& extra) {
    const std::string path = dir_.file("tls.yaml");
    writeFile(path,
              "name: tls\n"
              "source:\n"
              "  type: kalshi_live\n"
              "  base_url: " +
                  base_url +
                  "\n"
                  "  streams: [fills]\n"
                  "  since: all\n"
                  "  metadata: false\n"
                  "  rate_limit: off\n"
                  "  max_attempts: 2\n"
                  "  max_retry_time: 3s\n"
                  "  connect_timeout: 3s\n"
                  "  read_timeout: 5s\n" +
                  extra +
                  "sinks:\n"
                  "  - { type: csv, path: fills.csv }\n");
    return path;
  }
  ProcessResult run(const std::string& path) {
    return testing::runProcess({KD_CLI, "run", path}, dir_.path(),
                               {{"KALSHI_API_KEY", kToken},
                                {"KALSHI_API_KEY_ID", ""},
                                {"KALSHI_PRIVATE_KEY_PATH", ""},
                                {"KALSHI_PRIVATE_KEY", ""},
                                {"KALSHI_API_BASE_URL", ""},
                                {"KALSHI_DB", ""},
                                {"KALSHI_DIRECT_PLUGIN_PATH", ""}});
  }
  size_t csvRows() {
    const std::string csv = readFile(dir_.file("fills.csv"));
    const size_t lines = static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n'));
    return lines > 0 ? lines - 1 : 0;  // minus the header
  }

  TempDir certs_;
  TempDir dir_;
  std::string cert_;
  std::unique_ptr<SimServer> sim_;
};

TEST_F(TlsTest, ASelfSignedCertificateIsRefusedByDefault) {
  startTlsSim();
  const auto result = run(pipeline(url(), ""));
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("TLS certificate rejected"));
  EXPECT_THAT(result.err, HasSubstr("ca_file"));  // the fix
  EXPECT_FALSE(std::filesystem::exists(dir_.file("fills.csv")));
}

TEST_F(TlsTest, TheCertificateAsCaFileIsTrusted) {
  startTlsSim();
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    const auto result = run(pipeline(url(host), "  ca_file: " + cert_ + "\n"));
    ASSERT_EQ(result.exit_code, 0) << host << ": " << result.out << result.err;
    EXPECT_THAT(result.err, Not(HasSubstr("OFF"))) << host;
    EXPECT_GT(csvRows(), 50u) << host;
  }
}

TEST_F(TlsTest, InsecureSyncsAndWarnsThatVerificationIsOff) {
  startTlsSim();
  const auto result = run(pipeline(url(), "  insecure: true\n"));
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("warning"));
  EXPECT_THAT(result.err, HasSubstr("TLS certificate verification is OFF (insecure: true)"));
  EXPECT_GT(csvRows(), 50u);
}

TEST_F(TlsTest, ACertificateForAnotherHostIsRefusedEvenWhenTrusted) {
  startTlsSim("wrong.example.invalid", "DNS:wrong.example.invalid");
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    const auto result = run(pipeline(url(host), "  ca_file: " + cert_ + "\n"));
    EXPECT_EQ(result.exit_code, 1) << host << ": " << result.out << result.err;
    EXPECT_THAT(result.err, HasSubstr("TLS certificate rejected")) << host;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_FALSE(std::filesystem::exists(dir_.file("fills.csv"))) << host;
  }
}

}  // namespace
}  // namespace kalshi_direct
