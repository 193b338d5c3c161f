package adaptor

// detailedID reads the customer a detailed lookup is for: the externalCustomerId Gladly linked.
// The profile's custom attributes may come flat or under customAttributes; only the id is
// needed.
func detailedID(query rawObject) (string, error) {
	id, err := queryText(query, "externalCustomerId")
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", invalid("query.externalCustomerId", "is required for a DETAILED lookup")
	}
	return id, nil
}
