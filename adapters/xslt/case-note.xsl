<?xml version="1.0" encoding="UTF-8"?>
<!--
  Generic "case note" host mapping: one sharewise decision record becomes a case note with a title,
  a plain-text summary of the decision fit for a case-management system's notes, and the structured
  fields a host can map to its own. Input: urn:sharewise:decision-record:1 (one record element).
  Output namespace: urn:sharewise:host:case-note:1.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:sw="urn:sharewise:decision-record:1"
                xmlns="urn:sharewise:host:case-note:1"
                exclude-result-prefixes="sw">
  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>

  <xsl:template match="/">
    <xsl:apply-templates select="sw:record | sw:records"/>
  </xsl:template>

  <xsl:template match="sw:records">
    <caseNotes>
      <xsl:apply-templates select="sw:record"/>
    </caseNotes>
  </xsl:template>

  <!-- The value of the answer to a question: its text, or its codes joined with ", ". -->
  <xsl:template name="answer">
    <xsl:param name="question"/>
    <xsl:for-each select="sw:answers/sw:answer[@question = $question]/*">
      <xsl:if test="position() &gt; 1">, </xsl:if>
      <xsl:value-of select="."/>
    </xsl:for-each>
  </xsl:template>

  <!-- Text as a sentence: a full stop added unless it already ends with one. -->
  <xsl:template name="sentence">
    <xsl:param name="text"/>
    <xsl:value-of select="$text"/>
    <xsl:if test="not(contains('.!?', substring($text, string-length($text))))">.</xsl:if>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="sw:record">
    <xsl:variable name="decision">
      <xsl:call-template name="answer"><xsl:with-param name="question" select="'decision'"/></xsl:call-template>
    </xsl:variable>
    <xsl:variable name="form" select="sw:form/@id"/>
    <caseNote recordId="{@id}">
      <title>
        <xsl:choose>
          <xsl:when test="$form = 'information-sharing-decision'">Information sharing decision</xsl:when>
          <xsl:when test="$form = 'dvds-disclosure'">Domestic Violence Disclosure Scheme decision</xsl:when>
          <xsl:when test="$form = 'csods-disclosure'">Child Sex Offender Disclosure Scheme decision</xsl:when>
          <xsl:when test="$form = 'serious-violence-duty'">Serious Violence Duty disclosure</xsl:when>
          <xsl:when test="$form = 'consent-record'">Consent record</xsl:when>
          <xsl:otherwise>Decision record (<xsl:value-of select="$form"/>)</xsl:otherwise>
        </xsl:choose>
        <xsl:if test="string($decision)">: <xsl:value-of select="translate($decision, '_', ' ')"/></xsl:if>
        <xsl:text> (</xsl:text><xsl:value-of select="substring(sw:createdAt, 1, 10)"/><xsl:text>)</xsl:text>
      </title>
      <summary>
        <xsl:if test="string($decision)">Decision: <xsl:value-of select="translate($decision, '_', ' ')"/>.
</xsl:if>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'shared_with']">Shared with: <xsl:call-template name="sentence"><xsl:with-param name="text" select="sw:text"/></xsl:call-template></xsl:for-each>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'shared_information']">Information shared: <xsl:call-template name="sentence"><xsl:with-param name="text" select="sw:text"/></xsl:call-template></xsl:for-each>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'shared_at']">Shared at: <xsl:value-of select="sw:dateTime"/> by <xsl:value-of select="translate(../sw:answer[@question = 'share_method']/sw:code, '_', ' ')"/>.
</xsl:for-each>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'recipient' or @question = 'recipient_role' or @question = 'recipient_authority']">Disclosed to: <xsl:value-of select="translate(sw:code, '_', ' ')"/>.
</xsl:for-each>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'disclosure_date']">Disclosed on: <xsl:value-of select="sw:date"/>.
</xsl:for-each>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'scope_agencies']">Consent covers sharing with: <xsl:for-each select="sw:code"><xsl:if test="position() &gt; 1">, </xsl:if><xsl:value-of select="translate(., '_', ' ')"/></xsl:for-each>.
</xsl:for-each>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'given_on']">Consent given on: <xsl:value-of select="sw:date"/>.
</xsl:for-each>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'withdrawn_on']">Consent withdrawn on: <xsl:value-of select="sw:date"/>.
</xsl:for-each>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'purpose']">Purpose: <xsl:call-template name="sentence"><xsl:with-param name="text" select="sw:text"/></xsl:call-template></xsl:for-each>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'data_protection_basis']">Lawful basis (data protection): <xsl:call-template name="sentence"><xsl:with-param name="text" select="sw:text"/></xsl:call-template></xsl:for-each>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'art6_basis' or @question = 'le_basis' or @question = 'special_category_condition' or @question = 'law_enforcement_condition']">Lawful basis (<xsl:value-of select="translate(@question, '_', ' ')"/>): <xsl:value-of select="sw:code"/>.
</xsl:for-each>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'decision_reasons']">Reasons: <xsl:call-template name="sentence"><xsl:with-param name="text" select="sw:text"/></xsl:call-template></xsl:for-each>
        <xsl:text>Review required: </xsl:text>
        <xsl:choose>
          <xsl:when test="sw:reviewRequired = 'true'">yes (acknowledged warnings: <xsl:for-each select="sw:acknowledgedWarnings/sw:rule"><xsl:if test="position() &gt; 1">, </xsl:if><xsl:value-of select="."/></xsl:for-each>)</xsl:when>
          <xsl:otherwise>no</xsl:otherwise>
        </xsl:choose>
        <xsl:text>.&#10;</xsl:text>
        <xsl:for-each select="sw:answers/sw:answer[@question = 'decision_maker_name']">Decided by: <xsl:value-of select="sw:text"/>
          <xsl:for-each select="../sw:answer[@question = 'decision_maker_role']"> (<xsl:value-of select="sw:text"/>)</xsl:for-each>
          <xsl:text>.&#10;</xsl:text>
        </xsl:for-each>
        <xsl:text>sharewise record </xsl:text><xsl:value-of select="@id"/><xsl:text>, form </xsl:text><xsl:value-of select="$form"/><xsl:text> v</xsl:text><xsl:value-of select="sw:form/@version"/><xsl:text>, sha256 </xsl:text><xsl:value-of select="sw:contentHash"/><xsl:text>.</xsl:text>
      </summary>
      <fields>
        <field name="record_id"><xsl:value-of select="@id"/></field>
        <field name="form"><xsl:value-of select="$form"/></field>
        <field name="form_version"><xsl:value-of select="sw:form/@version"/></field>
        <field name="created_at"><xsl:value-of select="sw:createdAt"/></field>
        <field name="case_ref"><xsl:value-of select="sw:context/sw:member[@name = 'case_ref']"/></field>
        <field name="review_required"><xsl:value-of select="sw:reviewRequired"/></field>
        <field name="retention_class"><xsl:value-of select="sw:retention/@class"/></field>
        <field name="review_on"><xsl:value-of select="sw:retention/@reviewOn"/></field>
        <field name="content_hash"><xsl:value-of select="sw:contentHash"/></field>
        <xsl:for-each select="sw:answers/sw:answer">
          <field name="answer.{@question}">
            <xsl:for-each select="*">
              <xsl:if test="position() &gt; 1">, </xsl:if>
              <xsl:value-of select="."/>
            </xsl:for-each>
          </field>
        </xsl:for-each>
      </fields>
    </caseNote>
  </xsl:template>
</xsl:stylesheet>
