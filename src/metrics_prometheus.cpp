#include <llmio/metrics.hpp>

#include <charconv>

namespace llmio {

namespace {

// A label value in the text format: backslash, double quote and line feed escaped.
void append_escaped(std::string& out, std::string_view value)
{
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
}

// The shortest text that reads back as the same double (Go's and Prometheus' own parsers
// accept it).
void append_number(std::string& out, double value)
{
    char buffer[32];
    auto const [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, ec == std::errc{} ? end : buffer);
}

void append_labels(std::string& out, SeriesSnapshot const& s, std::string_view le = {})
{
    out += "{provider=\"";
    append_escaped(out, s.provider);
    out += "\",model=\"";
    append_escaped(out, s.model);
    out += "\",operation=\"";
    append_escaped(out, s.operation);
    out += "\",outcome=\"";
    append_escaped(out, s.outcome);
    out += '"';
    if (!le.empty()) {
        out += ",le=\"";
        out += le;
        out += '"';
    }
    out += '}';
}

void append_header(std::string& out, Metrics::MeasureInfo info, std::string_view type)
{
    out.append("# HELP ").append(info.name).append(" ").append(info.help).append("\n");
    out.append("# TYPE ").append(info.name).append(" ").append(type).append("\n");
}

} // namespace

std::string Metrics::to_prometheus() const
{
    auto const snap = snapshot();
    std::string out;
    out.reserve(1024 + snap.series.size() * 4096);
    for (std::size_t c = 0; c < kCountCount; ++c) {
        auto const info = counter_info(static_cast<Count>(c));
        append_header(out, info, "counter");
        for (auto const& s : snap.series) {
            out += info.name;
            append_labels(out, s);
            out += ' ';
            out += std::to_string(s.counts[c]);
            out += '\n';
        }
    }
    for (std::size_t m = 0; m < kMeasureCount; ++m) {
        auto const info = histogram_info(static_cast<Measure>(m));
        append_header(out, info, "histogram");
        for (auto const& s : snap.series) {
            auto const& h = s.histograms[m];
            if (h.count == 0) // e.g. no time to first token for whole answers
                continue;
            std::uint64_t cumulative = 0;
            std::string le;
            for (std::size_t k = 0; k < h.counts.size(); ++k) {
                cumulative += h.counts[k];
                le.clear();
                if (k < h.bounds.size())
                    append_number(le, h.bounds[k]);
                else
                    le = "+Inf";
                out.append(info.name).append("_bucket");
                append_labels(out, s, le);
                out += ' ';
                out += std::to_string(cumulative);
                out += '\n';
            }
            out.append(info.name).append("_sum");
            append_labels(out, s);
            out += ' ';
            append_number(out, h.sum);
            out += '\n';
            out.append(info.name).append("_count");
            append_labels(out, s);
            out += ' ';
            out += std::to_string(h.count);
            out += '\n';
        }
    }
    for (std::size_t e = 0; e < kCacheEventCount && !snap.caches.empty(); ++e) {
        auto const info = cache_info(static_cast<CacheEvent>(e));
        append_header(out, info, "counter");
        for (auto const& c : snap.caches) {
            out.append(info.name).append("{store=\"");
            append_escaped(out, c.store);
            out.append("\"} ").append(std::to_string(c.counts[e])).append("\n");
        }
    }
    return out;
}

} // namespace llmio
