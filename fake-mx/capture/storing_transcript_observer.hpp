// A TranscriptRecorder that hands its record to the store when the connection ends (the server
// shell destroys the observer then). For SmtpServerConfig::observe:
//   config.observe = [&](const smtp::ConnectionInfo& c) {
//       return std::make_unique<StoringTranscriptObserver>(store, c, "mx1.test"); };
#pragma once

#include <string>

#include "fake-mx/capture/capture_store.hpp"
#include "fake-mx/capture/session_record.hpp"

namespace relaylab::fakemx::capture {

class StoringTranscriptObserver : public TranscriptRecorder {
  public:
    StoringTranscriptObserver(CaptureStore& store, const smtp::ConnectionInfo& connection,
                              std::string host);
    ~StoringTranscriptObserver() override;
    StoringTranscriptObserver(const StoringTranscriptObserver&) = delete;
    StoringTranscriptObserver& operator=(const StoringTranscriptObserver&) = delete;

  private:
    CaptureStore& store_;
};

}  // namespace relaylab::fakemx::capture
