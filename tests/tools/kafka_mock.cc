// kafka_mock — a scriptable Kafka cluster for broker-fault tests, built on librdkafka's mock
// cluster (rdkafka_mock.h). The mock runs in this process; real clients (sluice, kcat) connect
// to it over TCP like to any broker, while the test drives faults through this tool's stdin.
//
// Usage:
//   kafka_mock [--brokers N] [--topic NAME] [--partitions P]      (defaults: 3, events, 8)
//
// On start it creates the topic (replication factor min(3, N)) and prints exactly one line
//   BOOTSTRAP host:port,host:port,...
// The brokers listen on ephemeral ports of 127.0.0.1, so the line is the only way to find them.
// Then it reads one command per line from stdin and answers each with one line, `ok ...` or
// `error <message>` (stdout is flushed after every line, so a test can read it through a pipe):
//
//   produce FILE            each line of FILE is one message (no key), partitions round-robin;
//                           waits for every delivery report → `ok COUNT` (error if any failed)
//   broker-down ID          close the broker's connections and refuse new ones (ID -1: all)
//   broker-up ID            accept connections again. Neither moves partition leadership.
//   commit-errors N CODE    the next N OffsetCommit requests (to any broker) fail with Kafka
//                           error CODE, e.g. 27 REBALANCE_IN_PROGRESS, 15
//                           COORDINATOR_NOT_AVAILABLE, 16 NOT_COORDINATOR, 25 UNKNOWN_MEMBER_ID
//   leader PARTITION ID     make broker ID the partition's leader (-1: leaderless)
//   coordinator GROUP ID    make broker ID the group coordinator of GROUP
//   watermarks              `ok p0=HW p1=HW ...`: high watermark of each partition
//   committed GROUP         `ok p0=OFF p1=OFF ...`: GROUP's committed offsets (-1001 = none)
//   quit                    (or EOF) destroy the cluster and exit 0
//
// Example session (> typed, < answered), with a real consumer group alongside:
//   $ build/tests/tools/kafka_mock --topic t --partitions 4
//   < BOOTSTRAP 127.0.0.1:39081,127.0.0.1:38603,127.0.0.1:37661
//   > produce rows.ndjson            < ok 1000
//   > commit-errors 3 27             < ok
//   $ kcat -b 127.0.0.1:39081 -G grp -X session.timeout.ms=6000 -X auto.offset.reset=earliest t
//   > committed grp                  < ok p0=250 p1=250 p2=250 p3=250
//
// Commands run one at a time: a `produce` whose partition leader is down blocks (up to 60 s, then
// `error N of M messages failed: Local: Message timed out`) and the next command waits for it.
//
// What the librdkafka 2.0.2 mock does and does not do (checked with kcat -G, i.e. subscribe()):
// - Balanced consumer groups work: JoinGroup/SyncGroup/Heartbeat/LeaveGroup/OffsetCommit/
//   OffsetFetch, several members share the partitions, committed offsets survive the consumer.
// - A group whose last member just left answers the next JoinGroup only after
//   session.timeout.ms − 1 s (the leave starts a rebalance timer that a new join does not
//   restart): ~44 s with the default 45 s. Give test consumers session.timeout.ms=6000.
// - The first join waits group.initial.rebalance.delay (3 s), like a real broker.
// - Groups and offsets are cluster-wide: `coordinator` only changes which broker answers, and a
//   client asking the old one gets NOT_COORDINATOR and re-discovers; no state is lost.
// - broker-down moves neither leadership (use `leader`) nor the coordinator (use `coordinator`);
//   with the coordinator down longer than session.timeout.ms the consumer loses its assignment
//   and rejoins as soon as the broker is up.
// - commit-errors are cluster-wide, taken by the next OffsetCommit of any client or group.
// - By the mock's source, OffsetCommit is refused with REBALANCE_IN_PROGRESS while the group is
//   in its join phase (a real broker accepts the current generation's commits then), so a commit
//   made on revoke can be lost; seen once in 3 runs of two kcat members leaving together.
// - Everything is in memory; there is no CreateTopics admin API (topics: --topic or auto-create).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// The public headers do not export the protocol's ApiKey constants (RD_KAFKAP_OffsetCommit lives
// in the internal rdkafka_protocol.h), so the number from the Kafka protocol spec is used.
constexpr int16_t kApiOffsetCommit = 8;

// How long a single produce command may wait for its delivery reports. Shorter than the
// producer's default message.timeout.ms (5 min) so that a test with a broker down gets an error
// line instead of hanging; sent messages that are still undelivered then fail with a timeout.
constexpr int kDeliveryTimeoutMs = 60000;
constexpr int kRequestTimeoutMs = 10000;

struct Options {
  int brokers = 3;
  std::string topic = "events";
  int partitions = 8;
};

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "kafka_mock: %s\n", msg.c_str());
  std::exit(2);
}

bool ParseInt(const std::string& s, long long* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = v;
  return true;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::printf("usage: kafka_mock [--brokers N] [--topic NAME] [--partitions P]\n"
                  "then commands on stdin; see the top of tests/tools/kafka_mock.cc\n");
      std::exit(0);
    }
    if (i + 1 >= argc) Die("missing value for " + a);
    std::string v = argv[++i];
    long long n = 0;
    if (a == "--brokers" && ParseInt(v, &n) && n >= 1 && n <= 100) {
      o.brokers = static_cast<int>(n);
    } else if (a == "--partitions" && ParseInt(v, &n) && n >= 1 && n <= 10000) {
      o.partitions = static_cast<int>(n);
    } else if (a == "--topic" && !v.empty()) {
      o.topic = v;
    } else {
      Die("bad argument " + a + " " + v);
    }
  }
  return o;
}

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

Conf MakeConf(const std::vector<std::pair<std::string, std::string>>& props) {
  Conf conf(rd_kafka_conf_new());
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      Die("config " + k + ": " + err);
  }
  return conf;
}

Handle MakeHandle(rd_kafka_type_t type, Conf conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
  if (!rk) Die(std::string("rd_kafka_new: ") + err);
  conf.release();  // owned by rk now
  return Handle(rk);
}

// Delivery-report outcome of one produce command, reached through the message opaque so that
// reports left over from an earlier (timed-out) command cannot be counted in a later one.
struct Batch {
  std::atomic<long> pending{0};
  std::atomic<long> failed{0};
  std::string first_error;  // only written from the poll thread (this one)
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  auto* batch = static_cast<Batch*>(msg->_private);
  if (!batch) return;
  if (msg->err) {
    if (batch->failed++ == 0) batch->first_error = rd_kafka_err2str(msg->err);
  }
  batch->pending--;
}

class Tool {
 public:
  explicit Tool(const Options& o) : opt_(o) {
    // The mock cluster needs a handle for its bookkeeping; it does not use it as a client.
    owner_ = MakeHandle(RD_KAFKA_PRODUCER, MakeConf({{"log_level", "3"}}));
    mcluster_ = rd_kafka_mock_cluster_new(owner_.get(), o.brokers);
    if (!mcluster_) Die("rd_kafka_mock_cluster_new failed");
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(mcluster_);
    int rf = std::min(3, o.brokers);
    if (auto err = rd_kafka_mock_topic_create(mcluster_, o.topic.c_str(), o.partitions, rf))
      Die(std::string("topic create: ") + rd_kafka_err2str(err));

    Conf pconf = MakeConf({{"bootstrap.servers", bootstrap_},
                           {"log_level", "3"},
                           {"linger.ms", "5"},
                           {"message.timeout.ms", std::to_string(kDeliveryTimeoutMs)}});
    rd_kafka_conf_set_dr_msg_cb(pconf.get(), OnDelivery);
    producer_ = MakeHandle(RD_KAFKA_PRODUCER, std::move(pconf));
  }

  ~Tool() {
    // Clients first: the brokers they talk to go away with the cluster.
    producer_.reset();
    rd_kafka_mock_cluster_destroy(mcluster_);
    owner_.reset();
  }

  const std::string& bootstrap() const { return bootstrap_; }

  // Runs one command line; returns its answer without the trailing newline.
  std::string Run(const std::string& line, bool* quit) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    std::vector<std::string> args;
    for (std::string a; in >> a;) args.push_back(a);
    auto need = [&](size_t n) {
      if (args.size() != n)
        throw std::runtime_error(cmd + " takes " + std::to_string(n) + " argument(s)");
    };
    auto num = [&](size_t i) {
      long long v = 0;
      if (!ParseInt(args[i], &v) || v < INT32_MIN || v > INT32_MAX)
        throw std::runtime_error("not an integer: " + args[i]);
      return static_cast<int32_t>(v);
    };
    auto check = [](rd_kafka_resp_err_t err) {
      if (err) throw std::runtime_error(rd_kafka_err2str(err));
    };

    if (cmd == "quit") {
      need(0);
      *quit = true;
      return "ok";
    }
    if (cmd == "produce") {
      need(1);
      return Produce(args[0]);
    }
    if (cmd == "broker-down" || cmd == "broker-up") {
      need(1);
      int32_t id = num(0);
      check(cmd == "broker-down" ? rd_kafka_mock_broker_set_down(mcluster_, id)
                                 : rd_kafka_mock_broker_set_up(mcluster_, id));
      return "ok";
    }
    if (cmd == "commit-errors") {
      need(2);
      int32_t n = num(0);
      if (n < 1) throw std::runtime_error("N must be >= 1");
      std::vector<rd_kafka_resp_err_t> errs(n, static_cast<rd_kafka_resp_err_t>(num(1)));
      rd_kafka_mock_push_request_errors_array(mcluster_, kApiOffsetCommit, errs.size(),
                                              errs.data());
      return "ok";
    }
    if (cmd == "leader") {
      need(2);
      check(rd_kafka_mock_partition_set_leader(mcluster_, opt_.topic.c_str(), num(0), num(1)));
      return "ok";
    }
    if (cmd == "coordinator") {
      need(2);
      check(rd_kafka_mock_coordinator_set(mcluster_, "group", args[0].c_str(), num(1)));
      return "ok";
    }
    if (cmd == "watermarks") {
      need(0);
      return Watermarks();
    }
    if (cmd == "committed") {
      need(1);
      return Committed(args[0]);
    }
    throw std::runtime_error("unknown command '" + cmd + "'");
  }

 private:
  std::string Produce(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    // On the heap: if its reports never arrive (see Drain) it is leaked rather than left dangling.
    auto owned = std::make_unique<Batch>();
    Batch& batch = *owned;
    long sent = 0;
    int partition = 0;
    for (std::string msg; std::getline(f, msg);) {
      batch.pending++;
      for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            producer_.get(), RD_KAFKA_V_TOPIC(opt_.topic.c_str()),
            RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_VALUE(msg.data(), msg.size()),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&batch), RD_KAFKA_V_END);
        if (!err) break;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          batch.pending--;
          if (!Drain(&batch)) owned.release();
          throw std::runtime_error(std::string("produce: ") + rd_kafka_err2str(err));
        }
        rd_kafka_poll(producer_.get(), 10);  // queue full: serve delivery reports, retry
      }
      ++sent;
      partition = (partition + 1) % opt_.partitions;
      rd_kafka_poll(producer_.get(), 0);
    }
    if (!Drain(&batch)) {
      owned.release();
      throw std::runtime_error("delivery reports still pending after timeout");
    }
    if (batch.failed)
      throw std::runtime_error(std::to_string(batch.failed.load()) + " of " + std::to_string(sent) +
                               " messages failed: " + batch.first_error);
    return "ok " + std::to_string(sent);
  }

  // Waits for the batch's delivery reports. message.timeout.ms bounds every message, so this
  // normally returns true; the extra margin only guards against a wedged client.
  bool Drain(Batch* batch) {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(kDeliveryTimeoutMs + kRequestTimeoutMs);
    while (batch->pending > 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        // Fail what is left (purged messages get error reports) so the next command starts clean.
        rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        for (int i = 0; i < 50 && batch->pending > 0; ++i) rd_kafka_poll(producer_.get(), 100);
        return batch->pending == 0;
      }
      rd_kafka_poll(producer_.get(), 100);
    }
    return true;
  }

  std::string Watermarks() {
    std::string out = "ok";
    for (int p = 0; p < opt_.partitions; ++p) {
      int64_t lo = 0, hi = 0;
      rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
          producer_.get(), opt_.topic.c_str(), p, &lo, &hi, kRequestTimeoutMs);
      if (err)
        throw std::runtime_error("partition " + std::to_string(p) + ": " + rd_kafka_err2str(err));
      out += " p" + std::to_string(p) + "=" + std::to_string(hi);
    }
    return out;
  }

  // A throw-away consumer of the group that never subscribes, so it only sends OffsetFetch and
  // does not join (and rebalance) the group under test.
  std::string Committed(const std::string& group) {
    Handle consumer = MakeHandle(RD_KAFKA_CONSUMER, MakeConf({{"bootstrap.servers", bootstrap_},
                                                              {"group.id", group},
                                                              {"enable.auto.commit", "false"},
                                                              {"log_level", "3"}}));
    PartitionList parts(rd_kafka_topic_partition_list_new(opt_.partitions));
    for (int p = 0; p < opt_.partitions; ++p)
      rd_kafka_topic_partition_list_add(parts.get(), opt_.topic.c_str(), p);
    rd_kafka_resp_err_t err = rd_kafka_committed(consumer.get(), parts.get(), kRequestTimeoutMs);
    rd_kafka_consumer_close(consumer.get());
    if (err) throw std::runtime_error(rd_kafka_err2str(err));
    std::string out = "ok";
    for (int i = 0; i < parts->cnt; ++i) {
      const auto& tp = parts->elems[i];
      if (tp.err)
        throw std::runtime_error("partition " + std::to_string(tp.partition) + ": " +
                                 rd_kafka_err2str(tp.err));
      out += " p" + std::to_string(tp.partition) + "=" + std::to_string(tp.offset);
    }
    return out;
  }

  Options opt_;
  Handle owner_;
  rd_kafka_mock_cluster_t* mcluster_ = nullptr;
  std::string bootstrap_;
  Handle producer_;
};

}  // namespace

int main(int argc, char** argv) {
  Options opt = ParseArgs(argc, argv);
  Tool tool(opt);
  std::cout << "BOOTSTRAP " << tool.bootstrap() << std::endl;  // endl: flushed for the pipe
  bool quit = false;
  for (std::string line; !quit && std::getline(std::cin, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string answer;
    try {
      answer = tool.Run(line, &quit);
    } catch (const std::exception& e) {
      answer = std::string("error ") + e.what();
    }
    std::cout << answer << std::endl;
  }
  return 0;
}
