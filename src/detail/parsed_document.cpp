#include <llmio/detail/parsed_document.hpp>

#include <boost/json/memory_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/storage_ptr.hpp>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <new>

namespace llmio::detail {

namespace json = boost::json;

namespace {

// A bump allocator whose first block lives inside it (a typical body's DOM fits), with larger
// blocks from the heap after that; deallocation frees nothing until the resource goes. Once
// sealed it hands out heap memory and frees it again, telling the two apart by address.
class DocumentResource final : public json::memory_resource {
public:
    // make_shared_resource() builds the resource inside a type of its own: the constructor
    // tells where it is, as a cast from the storage_ptr's memory_resource* could not.
    explicit DocumentResource(DocumentResource** self) noexcept : cursor_(inline_), left_(sizeof inline_)
    {
        *self = this;
    }

    ~DocumentResource() override
    {
        while (blocks_ != nullptr) {
            Block* next = blocks_->next;
            ::operator delete(blocks_);
            blocks_ = next;
        }
    }

    DocumentResource(DocumentResource const&) = delete;
    DocumentResource& operator=(DocumentResource const&) = delete;

    void seal() noexcept { sealed_ = true; }

private:
    // A heap block: this header, then `size` bytes.
    struct alignas(std::max_align_t) Block {
        Block* next;
        std::size_t size;
    };

    void* do_allocate(std::size_t bytes, std::size_t alignment) override
    {
        if (sealed_)
            return ::operator new(bytes, std::align_val_t(alignment));
        if (void* p = std::align(alignment, bytes, cursor_, left_))
            return take(p, bytes);
        std::size_t const size = std::max(next_block_, bytes + alignment);
        next_block_ = size * 2;
        auto* block = new (::operator new(sizeof(Block) + size)) Block{blocks_, size};
        blocks_ = block;
        cursor_ = block + 1;
        left_ = size;
        return take(std::align(alignment, bytes, cursor_, left_), bytes);
    }

    void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override
    {
        if (!owns(p))
            ::operator delete(p, bytes, std::align_val_t(alignment));
    }

    bool do_is_equal(json::memory_resource const& other) const noexcept override { return this == &other; }

    void* take(void* p, std::size_t bytes) noexcept
    {
        cursor_ = static_cast<unsigned char*>(p) + bytes;
        left_ -= bytes;
        return p;
    }

    bool owns(void const* p) const noexcept
    {
        auto const within = [p](void const* begin, std::size_t size) {
            auto const* first = static_cast<unsigned char const*>(begin);
            std::less_equal<> const le;
            return le(first, p) && std::less<>()(p, first + size);
        };
        if (within(inline_, sizeof inline_))
            return true;
        for (Block const* block = blocks_; block != nullptr; block = block->next)
            if (within(block + 1, block->size))
                return true;
        return false;
    }

    alignas(std::max_align_t) unsigned char inline_[2048];
    void* cursor_;
    std::size_t left_;
    Block* blocks_ = nullptr;
    std::size_t next_block_ = 4096;
    bool sealed_ = false;
};

} // namespace

json::value parse_document(std::string_view text, boost::system::error_code& ec, json::parse_options const& options)
{
    DocumentResource* resource = nullptr;
    json::storage_ptr storage = json::make_shared_resource<DocumentResource>(&resource);
    json::value document = json::parse(text, ec, storage, options);
    resource->seal();
    return document;
}

void adopt(json::value& target, json::value&& source) noexcept
{
    std::destroy_at(&target);
    std::construct_at(&target, std::move(source));
}

} // namespace llmio::detail
