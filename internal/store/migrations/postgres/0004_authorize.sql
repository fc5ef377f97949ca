-- hummdesk_authorize checks, inside a request's transaction and as part of
-- the statement that opens it, that the caller may act in the current
-- account: a member (else SQLSTATE HD404), whose token was issued after
-- the last password change (HD401), and an administrator when the route
-- needs one (HD403). It runs as the caller (hummdesk_app), so row-level
-- security scopes its lookup to the current account.
CREATE FUNCTION hummdesk_authorize(p_user bigint, p_issued_us bigint, p_need_admin boolean) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_role text;
    v_valid_after timestamptz;
BEGIN
    SELECT au.role, u.tokens_valid_after INTO v_role, v_valid_after
    FROM account_users au JOIN users u ON u.id = au.user_id
    WHERE au.account_id = hummdesk_current_account() AND au.user_id = p_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not a member of the account' USING ERRCODE = 'HD404';
    END IF;
    IF p_issued_us < floor(extract(epoch FROM v_valid_after) * 1000000)::bigint THEN
        RAISE EXCEPTION 'token issued before the last password change' USING ERRCODE = 'HD401';
    END IF;
    IF p_need_admin AND v_role <> 'administrator' THEN
        RAISE EXCEPTION 'administrators only' USING ERRCODE = 'HD403';
    END IF;
END $$;
