#include "fake-mx/capture/storing_transcript_observer.hpp"

namespace relaylab::fakemx::capture {

StoringTranscriptObserver::StoringTranscriptObserver(CaptureStore& store,
                                                     const smtp::ConnectionInfo& connection,
                                                     std::string host)
    : TranscriptRecorder(connection, std::move(host), store.config().transcript), store_(store) {}

StoringTranscriptObserver::~StoringTranscriptObserver() {
    // A destructor must not throw; losing one transcript to bad_alloc is the lesser harm.
    try {
        store_.add_session(finish());
    } catch (...) {
    }
}

}  // namespace relaylab::fakemx::capture
