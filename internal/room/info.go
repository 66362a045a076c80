package room

// TrackKind is "audio" or "video".
type TrackKind string

// Track kinds.
const (
	KindAudio TrackKind = "audio"
	KindVideo TrackKind = "video"
)

// TrackSource says what a track carries.
type TrackSource string

// Track sources.
const (
	SourceCamera      TrackSource = "camera"
	SourceMicrophone  TrackSource = "microphone"
	SourceScreen      TrackSource = "screen"
	SourceScreenAudio TrackSource = "screen_audio"
)

// Valid reports whether s is a known source that fits kind.
func (s TrackSource) Valid(kind TrackKind) bool {
	switch s {
	case SourceCamera, SourceScreen:
		return kind == KindVideo
	case SourceMicrophone, SourceScreenAudio:
		return kind == KindAudio
	}
	return false
}

// Permissions are what a participant may do, from its token's grants.
type Permissions struct {
	Publish     bool `json:"publish"`
	Subscribe   bool `json:"subscribe"`
	PublishData bool `json:"publish_data"`
}

// TrackInfo describes one published track.
type TrackInfo struct {
	ID string `json:"id"`
	// CID is the id the publisher gave the track in its SDP, so a publisher
	// can match its own tracks to the server's ids.
	CID      string      `json:"cid,omitempty"`
	Kind     TrackKind   `json:"kind"`
	Source   TrackSource `json:"source"`
	Name     string      `json:"name,omitempty"`
	MimeType string      `json:"mime_type"`
	Muted    bool        `json:"muted"`
}

// ParticipantInfo describes one participant.
type ParticipantInfo struct {
	ID          string      `json:"id"`
	Identity    string      `json:"identity"`
	Name        string      `json:"name,omitempty"`
	JoinedAt    int64       `json:"joined_at"`
	Permissions Permissions `json:"permissions"`
	Tracks      []TrackInfo `json:"tracks"`
}
