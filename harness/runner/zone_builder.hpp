// The fixture DNS a scenario implies, as zone-file text: for every receiving domain its MX
// records towards the fake MX hosts and their A records; for every sender domain its SPF,
// DMARC and DKIM key records and an MX towards the world's bounce catcher (so DSNs come back).
// A domain whose zone the scenario provides itself (a zone file or an inline zone with that
// origin) is left alone: the user's records win. Sans-I/O: strings in, strings out.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace relaylab::runner {

struct SynthesizedZone {
    std::string origin;  // "gmail.test." (absolute, lower case)
    std::string text;    // a whole master file: SOA and NS first
};

struct ZoneInputs {
    struct Host {
        std::string name;  // "mx1.gmail.test"
        std::string address;
        std::vector<std::string> domains;
        unsigned preference = 10;
    };
    std::vector<Host> hosts;
    struct Sender {
        std::string domain;
        std::string spf;    // "" none
        std::string dmarc;  // "" none
        std::string dkim_selector;
        std::string dkim_record;  // "v=DKIM1; k=rsa; p=..." ("" none)
    };
    std::vector<Sender> senders;
    std::string bounce_host;  // MX target for sender domains that have no host of their own
    std::set<std::string> user_origins;  // absolute, lower case: zones the scenario provides
};

// Absolute, lower case: "Gmail.Test" -> "gmail.test.".
std::string absolute_name(std::string name);

std::vector<SynthesizedZone> synthesize_zones(const ZoneInputs& inputs);

// A TXT record's data as master-file character-strings: quoted, '"' and '\' escaped, split
// into 255-octet pieces (RFC 1035 3.3.14).
std::string txt_data(const std::string& text);

}  // namespace relaylab::runner
