package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidateDoctor(t *testing.T) {
	for _, tt := range []struct {
		name   string
		modify func(d *Doctor)
		want   string
	}{
		{"defaults", func(*Doctor) {}, ""},
		{"a day", func(d *Doctor) { d.APIKeyRotation, d.MaxBinaryAge = 24*time.Hour, 24*time.Hour }, ""},
		{"rotation off", func(d *Doctor) { d.APIKeyRotation = 0 }, "doctor.api_key_rotation: must be between 24h and 87840h, got 0s"},
		{"rotation too long", func(d *Doctor) { d.APIKeyRotation = 87841 * time.Hour }, "doctor.api_key_rotation"},
		{"binary age too short", func(d *Doctor) { d.MaxBinaryAge = time.Hour }, "doctor.max_binary_age: must be between"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.modify(&c.Doctor)
			err := c.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	c, err := Load(writeFile(t, "doctor:\n  api_key_rotation: 2160h\n"), []string{"CONCLAVE_DOCTOR_MAX_BINARY_AGE=720h"})
	if err != nil || c.Doctor.APIKeyRotation != 2160*time.Hour || c.Doctor.MaxBinaryAge != 720*time.Hour {
		t.Fatalf("Load: %+v, %v", c.Doctor, err)
	}
}
