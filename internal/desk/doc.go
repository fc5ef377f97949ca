// Package desk is HummDesk's domain vocabulary: the entities of a help desk,
// their enumerations, and the error kinds every layer speaks. It imports
// nothing internal, so every other package may import it.
package desk
