#ifndef LLMIO_SRC_HTTP_APPEND_BODY_HPP
#define LLMIO_SRC_HTTP_APPEND_BODY_HPP

// A Beast body that appends what the parser hands it to a string owned by the reader of the
// response. Unlike buffer_body it has no fixed slice to fill: one parse of everything buffered
// (an eager parser) yields every complete chunk at once, and the string is only as large as
// what was in flight, so a slow stream holds a few hundred bytes, a bulk one the read size.

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>

#include <cstdint>
#include <string>

namespace llmio::http::detail {

struct AppendBody {
    struct value_type {
        std::string* out = nullptr; ///< Set before parsing the body.
    };

    class reader {
    public:
        template <bool isRequest, class Fields>
        reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body)
        {
        }

        void init(boost::optional<std::uint64_t> const&, boost::system::error_code& ec) { ec = {}; }

        template <class ConstBufferSequence>
        std::size_t put(ConstBufferSequence const& buffers, boost::system::error_code& ec)
        {
            if (body_.out == nullptr) {
                ec = boost::beast::http::error::buffer_overflow;
                return 0;
            }
            ec = {};
            std::size_t n = 0;
            for (auto const b : boost::beast::buffers_range_ref(buffers)) {
                body_.out->append(static_cast<char const*>(b.data()), b.size());
                n += b.size();
            }
            return n;
        }

        void finish(boost::system::error_code& ec) { ec = {}; }

    private:
        value_type& body_;
    };
};

} // namespace llmio::http::detail

#endif
