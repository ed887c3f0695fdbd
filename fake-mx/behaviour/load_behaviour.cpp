// load_behaviour: a file if one exists at that path, else a shipped preset.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "fake-mx/behaviour/behaviour.hpp"
#include "fake-mx/behaviour/presets.hpp"

namespace relaylab::fakemx {

namespace {

Behaviour parse_text(std::string_view text, const std::string& source) {
    nlohmann::json value;
    try {
        value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // e.byte points at the offending character; the what() text carries line and column.
        throw BehaviourError(source + ": not valid JSON: " + e.what());
    }
    return parse_behaviour(value, source);
}

std::string preset_list() {
    std::string out;
    for (const auto& name : preset_names()) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

}  // namespace

std::vector<std::string> preset_names() {
    std::vector<std::string> names;
    for (const auto& preset : presets())
        names.emplace_back(preset.name);
    return names;
}

Behaviour load_behaviour(const std::string& file_or_preset) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(file_or_preset, ec)) {
        std::ifstream in(file_or_preset, std::ios::binary);
        if (!in) throw BehaviourError(file_or_preset + ": cannot open for reading");
        std::string text(max_behaviour_file_bytes + 1, '\0');
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_behaviour_file_bytes) {
            throw BehaviourError(file_or_preset + ": larger than " +
                                 std::to_string(max_behaviour_file_bytes) + " bytes");
        }
        return parse_text(text, file_or_preset);
    }
    if (auto json = preset_json(file_or_preset)) {
        return parse_text(*json, "preset " + file_or_preset);
    }
    throw BehaviourError(file_or_preset +
                         ": neither a readable file nor a preset (presets: " + preset_list() + ")");
}

}  // namespace relaylab::fakemx
