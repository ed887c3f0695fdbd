#include "reports/json_view.hpp"

#include <algorithm>
#include <cmath>

namespace relaylab::reports::json_view {

const nlohmann::json* find(const nlohmann::json& root,
                           std::initializer_list<std::string_view> path) {
    const nlohmann::json* value = &root;
    for (std::string_view key : path) {
        if (!value->is_object()) return nullptr;
        const auto it = value->find(key);
        if (it == value->end()) return nullptr;
        value = &*it;
    }
    return value;
}

const nlohmann::json* object_at(const nlohmann::json& root,
                                std::initializer_list<std::string_view> path) {
    const nlohmann::json* value = find(root, path);
    return value != nullptr && value->is_object() ? value : nullptr;
}

const nlohmann::json* array_at(const nlohmann::json& root,
                               std::initializer_list<std::string_view> path) {
    const nlohmann::json* value = find(root, path);
    return value != nullptr && value->is_array() ? value : nullptr;
}

std::optional<double> number(const nlohmann::json* value) {
    if (value == nullptr || !value->is_number()) return std::nullopt;
    const double result = value->get<double>();
    if (!std::isfinite(result)) return std::nullopt;
    return result;
}

std::optional<double> number_at(const nlohmann::json& root,
                                std::initializer_list<std::string_view> path) {
    return number(find(root, path));
}

double count_at(const nlohmann::json& root, std::initializer_list<std::string_view> path) {
    return number_at(root, path).value_or(0);
}

std::string text(const nlohmann::json* value) {
    if (value == nullptr) return {};
    if (value->is_string()) return value->get<std::string>();
    if (value->is_number() || value->is_boolean()) return value->dump();
    return {};
}

std::string text_at(const nlohmann::json& root, std::initializer_list<std::string_view> path) {
    return text(find(root, path));
}

std::optional<bool> flag_at(const nlohmann::json& root,
                            std::initializer_list<std::string_view> path) {
    const nlohmann::json* value = find(root, path);
    if (value == nullptr || !value->is_boolean()) return std::nullopt;
    return value->get<bool>();
}

std::vector<std::pair<std::string, double>> counts(const nlohmann::json* object) {
    std::vector<std::pair<std::string, double>> result;
    if (object == nullptr || !object->is_object()) return result;
    for (const auto& [key, value] : object->items()) {
        if (const auto n = number(&value)) result.emplace_back(key, *n);
    }
    std::sort(result.begin(), result.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    return result;
}

}  // namespace relaylab::reports::json_view
