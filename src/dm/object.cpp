#include "lwm2m/object.hpp"

namespace lwm2m {

const ResourceDefinition* Object::find_resource(uint16_t resource_id) const {
    for (const ResourceDefinition& definition : resources_) {
        if (definition.id == resource_id) {
            return &definition;
        }
    }
    return nullptr;
}

}  // namespace lwm2m
