package token_test

import (
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/conclave-video/conclave/token"
)

// An app server mints a ten-minute join token for one participant of one
// room and hands it to the browser, which sends it in its first signaling
// message.
func ExampleKey_Mint() {
	// In production: _, key, err := token.LoadCredentials("credentials.json"),
	// or parse the private key from a secret store.
	priv, err := token.ParsePrivateKey("ck_sk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	if err != nil {
		log.Fatal(err)
	}
	key := token.Key{ID: "CKEXAMPLE2345", Private: priv}

	grants, err := token.ParseGrants("publish,subscribe,publishData")
	if err != nil {
		log.Fatal(err)
	}
	jwt, err := key.Mint(token.Options{
		Identity: "alice@example.com",
		Name:     "Alice",
		Room:     "weekly-sync",
		TTL:      10 * time.Minute,
		Grants:   grants,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("segments:", len(strings.Split(jwt, ".")))
	fmt.Println(key) // keys print redacted
	// Output:
	// segments: 3
	// token.Key{ID:CKEXAMPLE2345 Private:[redacted]}
}
