// A Write or Create (LwM2M Core, 6.3.3 and 6.3.6) applied inside a
// transaction of its object, entry by entry as the decoder returns them, so
// that the payload may arrive in pieces.
#pragma once

#include <cstdint>

#include "coap/message.hpp"
#include "io/codec.hpp"
#include "lwm2m/config.hpp"
#include "lwm2m/object.hpp"

namespace lwm2m::dm {

class WriteOperation {
  public:
    enum class Kind : uint8_t {
        /// PUT: the values at the path replace the old ones.
        kReplace,
        /// POST on an instance: a partial update.
        kUpdate,
        /// POST on an object: a new instance, named by the first entry.
        kCreate,
        /// Bootstrap-Write (LwM2M Core 1.1, 5.2.7.1): values replace the old
        /// ones in any instance under the target, which is created if it does
        /// not exist, and read-only resources are written too.
        kBootstrap,
    };

    /// Returned by apply() while the decoder needs more of the payload.
    static constexpr uint8_t kNeedMore = 0;

    /// Starts the operation and begins the transaction of `object`. Every
    /// entry must lie under `target`; for kCreate, the instance of the first
    /// entry becomes the target. Returns kNeedMore, or the response code of a
    /// failure.
    uint8_t begin(Kind kind, const Path& target, Object& object, io::Decoder& decoder);

    /// Applies the entries the decoder holds. Returns kNeedMore when it needs
    /// more of the payload. Otherwise the transaction has ended, and the
    /// result is 2.04 (2.01 for Create) after a commit, or the code of the
    /// failure after a rollback.
    uint8_t apply();

    /// Rolls the transaction back, for a transfer that was abandoned.
    void abort();

    /// True if the operation created an instance (Create or Bootstrap-Write).
    bool created_instance() const { return instance_created_; }

    /// The instance that a successful Create made.
    uint16_t instance_id() const { return target_.ids[1]; }
    uint16_t object_id() const { return object_->id(); }

  private:
    uint8_t open_entry(const Path& path);
    uint8_t write_value(const Value& value, io::ValueChunk chunk);
    uint8_t finish(uint8_t result);

    Kind kind_ = Kind::kReplace;
    Object* object_ = nullptr;
    io::Decoder* decoder_ = nullptr;
    Path target_;
    bool in_transaction_ = false;
    bool instance_created_ = false;
    uint32_t entry_count_ = 0;

    // The entry whose value is being read; a long value takes several reads.
    bool entry_open_ = false;
    bool skip_entry_ = false;
    // A multiple resource written with no instances (TLV).
    bool emptied_resource_ = false;
    Path entry_path_;
    DataType entry_type_ = DataType::kNone;

    // The multiple resource whose old instances a replace has removed.
    uint16_t cleared_instance_ = 0xffff;
    uint16_t cleared_resource_ = 0xffff;
};

/// Applies a Write of `kind` whose whole payload, in `format`, is in
/// `request`. `created_instance`, if not nullptr, is set to whether it
/// created an instance. Returns the response code.
uint8_t apply_whole_write(WriteOperation::Kind kind, uint32_t format, const coap::Message& request,
                          const Path& path, Object& object, bool* created_instance);

/// The transactions of the objects one request writes across: Write-Composite
/// and a Bootstrap-Pack.
struct MultiObjectTransaction {
    Object* objects[LWM2M_MAX_OBJECTS] = {};
    uint8_t count = 0;

    /// Begins the transaction of `object` the first time it is touched.
    Status join(Object& object);
    /// Validates every transaction and commits them all if `result` and every
    /// validation succeed, else rolls them all back. Returns the final code.
    uint8_t finish(uint8_t result);
};

}  // namespace lwm2m::dm
