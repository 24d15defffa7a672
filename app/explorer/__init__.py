"""The explorer's pages: page state and its URL codec, actions, routes, the embed and sharing."""
