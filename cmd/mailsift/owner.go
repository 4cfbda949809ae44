package main

import (
	"fmt"
	"os/user"
	"strconv"
	"strings"
)

// lookupOwner resolves "user[:group]" to numeric ids (-1 keeps a value).
func lookupOwner(owner string) (int, int, error) {
	name, group, _ := strings.Cut(owner, ":")
	uid, gid := -1, -1
	if name != "" {
		u, err := user.Lookup(name)
		if err != nil {
			return 0, 0, fmt.Errorf("socket_owner: %w", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		if group == "" {
			gid, _ = strconv.Atoi(u.Gid)
		}
	}
	if group != "" {
		g, err := user.LookupGroup(group)
		if err != nil {
			return 0, 0, fmt.Errorf("socket_owner: %w", err)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	return uid, gid, nil
}
